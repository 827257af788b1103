#include "privacy/retention.h"

#include "core/local_time.h"

#include <nlohmann/json.hpp>

#include "core/log.h"

namespace reflexio {

namespace {
constexpr int kBatch = 200;

std::vector<std::string> StoredObjects(const Recording& r) {
  std::vector<std::string> keys;
  if (!r.audio_path.empty()) keys.push_back(r.audio_path);
  if (!r.source_path.empty()) keys.push_back(r.source_path);
  return keys;
}
}  // namespace

RetentionPolicy RetentionPolicy::Defaults(const Config& config) {
  return {config.audio_retention_hours, config.transcript_retention_days, config.digest_retention_days};
}

RetentionPolicy RetentionPolicy::For(const TenantSettings& settings) const {
  RetentionPolicy policy = *this;
  if (settings.audio_retention_hours) policy.audio_retention_hours = *settings.audio_retention_hours;
  if (settings.transcript_retention_days) policy.transcript_retention_days = *settings.transcript_retention_days;
  if (settings.digest_retention_days) policy.digest_retention_days = *settings.digest_retention_days;
  return policy;
}

Result<RetentionReport> RetentionSweeper::RunForTenant(const Tenant& tenant, bool dry_run) {
  RetentionReport report;
  RETURN_IF_ERROR(SweepTenant(tenant, dry_run, report));
  return report;
}

Result<RetentionReport> RetentionSweeper::Run(bool dry_run) {
  RetentionReport report;
  ASSIGN_OR_RETURN(auto tenants, stores_.tenants.ListTenants());
  for (const Tenant& tenant : tenants) RETURN_IF_ERROR(SweepTenant(tenant, dry_run, report));
  if (!dry_run && metrics_ != nullptr) {
    metrics_->CountRetentionDeleted("audio", static_cast<double>(report.audio_deleted));
    metrics_->CountRetentionDeleted("recording", static_cast<double>(report.recordings_deleted));
    metrics_->CountRetentionDeleted("blob", static_cast<double>(report.blobs_deleted));
    metrics_->CountRetentionDeleted("digest", static_cast<double>(report.digests_deleted));
  }
  return report;
}

Status RetentionSweeper::SweepTenant(const Tenant& tenant, bool dry_run, RetentionReport& report) {
  ASSIGN_OR_RETURN(TenantSettings settings, stores_.privacy.GetTenantSettings(tenant.id));
  RetentionPolicy policy = defaults_.For(settings);
  TimePoint now = clock_.Now();
  TimePoint recording_cutoff = AddSeconds(now, -86400.0 * policy.transcript_retention_days);
  TimePoint audio_cutoff = AddSeconds(now, -3600.0 * policy.audio_retention_hours);
  int64_t recordings = 0, audio = 0, blobs = 0;

  auto delete_blobs = [&](const std::vector<std::string>& keys) {
    for (const auto& key : keys) {
      Status removed = blobs_.Delete(key);
      if (removed.ok()) ++blobs;
      else LOG_WARN("retention could not remove object " << key << ": " << removed.message());
    }
  };
  // Whole recordings first, so their audio is not handled twice. A dry run cannot page by
  // deleting, so it reads one large page.
  while (true) {
    ASSIGN_OR_RETURN(auto expired, stores_.recordings.ListFinishedCapturedBefore(tenant.id, recording_cutoff, false,
                                                                   dry_run ? 100000 : kBatch));
    for (const Recording& r : expired) {
      report.actions.push_back({tenant.id, r.id, "recording", r.captured_at, StoredObjects(r)});
      if (dry_run) continue;
      // Rows first: a crash in between leaves an orphaned sealed object, never a row whose
      // audio is gone.
      RETURN_IF_ERROR(stores_.recordings.DeleteRecording(tenant.id, r.id));
      delete_blobs(StoredObjects(r));
      ++recordings;
    }
    if (dry_run || static_cast<int>(expired.size()) < kBatch) break;
  }
  while (true) {
    ASSIGN_OR_RETURN(auto expired, stores_.recordings.ListFinishedCapturedBefore(tenant.id, audio_cutoff, true,
                                                                   dry_run ? 100000 : kBatch));
    for (const Recording& r : expired) {
      bool already_listed = dry_run && r.captured_at < recording_cutoff;
      if (already_listed) continue;
      report.actions.push_back({tenant.id, r.id, "audio", r.captured_at, {r.audio_path}});
      if (dry_run) continue;
      RETURN_IF_ERROR(stores_.recordings.ForgetAudio(tenant.id, r.id));
      delete_blobs({r.audio_path});
      ++audio;
    }
    if (dry_run || static_cast<int>(expired.size()) < kBatch) break;
  }
  // Digests by their local date: those older than digest_retention_days (by the UTC date).
  std::string today = FormatRfc3339(now).substr(0, 10);
  std::string digest_cutoff = AddDays(today, -policy.digest_retention_days);
  int64_t digests = 0;
  ASSIGN_OR_RETURN(auto old_digests, stores_.digests.ListDigests(tenant.id, "", AddDays(digest_cutoff, -1), 100000, ""));
  for (const Digest& d : old_digests.items) {
    report.actions.push_back({tenant.id, "", "digest", now, {}, d.date});
    ++digests;
  }
  if (!dry_run && digests > 0) RETURN_IF_ERROR(stores_.digests.DeleteDigestsBefore(tenant.id, digest_cutoff));
  if (dry_run) digests = 0;
  report.digests_deleted += digests;
  report.recordings_deleted += recordings;
  report.audio_deleted += audio;
  report.blobs_deleted += blobs;
  if (!dry_run && (recordings > 0 || audio > 0 || digests > 0)) {
    nlohmann::json detail = {{"recordings_deleted", recordings}, {"audio_deleted", audio}, {"digests_deleted", digests},
                             {"audio_retention_hours", policy.audio_retention_hours},
                             {"transcript_retention_days", policy.transcript_retention_days}};
    RETURN_IF_ERROR(stores_.privacy.AppendAudit({tenant.id, "", now, "system", "retention", detail.dump()}));
    LOG_INFO("retention for tenant " << tenant.id << ": " << recordings << " recording(s) and the audio of " << audio
                                     << " more deleted");
  }
  return Status::Ok();
}

}  // namespace reflexio
