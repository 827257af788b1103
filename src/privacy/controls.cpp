#include "privacy/controls.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "core/log.h"
#include "core/time.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

json SettingsJson(const TenantSettings& s) {
  auto optional = [](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
  return {{"audio_retention_hours", optional(s.audio_retention_hours)},
          {"transcript_retention_days", optional(s.transcript_retention_days)},
          {"digest_retention_days", optional(s.digest_retention_days)},
          {"opt_out_training", s.opt_out_training},
          {"pii_mode", s.pii_mode ? json(*s.pii_mode) : json(nullptr)}};
}

// A tar archive (POSIX pax) built in memory with libarchive.
class TarWriter {
 public:
  TarWriter() : archive_(archive_write_new(), archive_write_free) {
    archive_write_set_format_pax_restricted(archive_.get());
    archive_write_open(archive_.get(), this, nullptr, &TarWriter::Append, nullptr);
  }
  Status Add(const std::string& name, const std::string& bytes, TimePoint modified) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0600);
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(ToUnixSeconds(modified)), 0);
    if (archive_write_header(archive_.get(), entry.get()) != ARCHIVE_OK ||
        archive_write_data(archive_.get(), bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size())) {
      return Internal(std::string("building the export archive failed: ") + archive_error_string(archive_.get()));
    }
    return Status::Ok();
  }
  Result<std::string> Finish() {
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) {
      return Internal(std::string("building the export archive failed: ") + archive_error_string(archive_.get()));
    }
    return std::move(out_);
  }

 private:
  static la_ssize_t Append(struct archive*, void* self, const void* data, size_t size) {
    static_cast<TarWriter*>(self)->out_.append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
  }
  std::unique_ptr<struct archive, decltype(&archive_write_free)> archive_;
  std::string out_;
};

}  // namespace

Result<EffectiveSettings> PrivacyControls::Settings(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(TenantSettings stored, stores_.privacy.GetTenantSettings(tenant_id));
  EffectiveSettings effective;
  effective.audio_retention_hours = stored.audio_retention_hours.value_or(config_.audio_retention_hours);
  effective.transcript_retention_days = stored.transcript_retention_days.value_or(config_.transcript_retention_days);
  effective.digest_retention_days = stored.digest_retention_days.value_or(config_.digest_retention_days);
  effective.opt_out_training = stored.opt_out_training;
  effective.pii_mode = stored.pii_mode.value_or(config_.pii_mode);
  effective.stored = stored;
  return effective;
}

Result<EffectiveSettings> PrivacyControls::UpdateSettings(const std::string& tenant_id, const TenantSettings& settings,
                                                          const std::string& actor) {
  ASSIGN_OR_RETURN(TenantSettings before, stores_.privacy.GetTenantSettings(tenant_id));
  RETURN_IF_ERROR(stores_.privacy.PutTenantSettings(tenant_id, settings));
  json detail = {{"before", SettingsJson(before)}, {"after", SettingsJson(settings)}};
  RETURN_IF_ERROR(stores_.privacy.AppendAudit({tenant_id, "", {}, actor, "settings_change", detail.dump()}));
  return Settings(tenant_id);
}

Result<std::vector<Recording>> PrivacyControls::AllRecordings(const std::string& tenant_id) {
  std::vector<Recording> all;
  std::string cursor;
  while (true) {
    ASSIGN_OR_RETURN(auto page, stores_.recordings.ListRecordings(tenant_id, {}, 500, cursor));
    for (auto& r : page.items) all.push_back(std::move(r));
    if (!page.next_cursor) return all;
    cursor = *page.next_cursor;
  }
}

Result<std::string> PrivacyControls::Export(const Tenant& tenant, const RecordingView& view, const std::string& actor) {
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto recordings, AllRecordings(tenant.id));
  ASSIGN_OR_RETURN(EffectiveSettings settings, Settings(tenant.id));
  TarWriter tar;
  int64_t audio_files = 0;
  for (const Recording& r : recordings) {
    std::vector<Segment> segments;
    if (r.status == RecordingStatus::kTranscribed) {
      ASSIGN_OR_RETURN(segments, stores_.transcripts.GetSegments(tenant.id, r.id));
    }
    RETURN_IF_ERROR(tar.Add("recordings/" + r.id + ".json", view(r, segments).dump(2), r.updated_at));
    if (!r.audio_path.empty()) {
      ASSIGN_OR_RETURN(std::string audio, blobs_.Get(r.audio_path));
      RETURN_IF_ERROR(tar.Add("audio/" + r.id + ".opus", audio, r.updated_at));
      ++audio_files;
    }
  }
  json audit = json::array();
  std::string cursor;
  while (true) {
    ASSIGN_OR_RETURN(auto page, stores_.privacy.ListAudit(tenant.id, 500, cursor));
    for (const auto& e : page.items) {
      audit.push_back({{"id", e.id}, {"at", FormatRfc3339(e.at)}, {"actor", e.actor}, {"action", e.action},
                       {"detail", json::parse(e.detail, nullptr, false)}});
    }
    if (!page.next_cursor) break;
    cursor = *page.next_cursor;
  }
  RETURN_IF_ERROR(tar.Add("audit_log.json", audit.dump(2), now));
  // What was understood: episode insights (summaries, actions, emotions, …) and core memory.
  json understood = {{"episodes", json::array()}, {"memory", json::array()}};
  cursor.clear();
  size_t insights = 0;
  while (true) {
    ASSIGN_OR_RETURN(auto page, stores_.insights.ListInsights(tenant.id, {}, 500, cursor));
    for (const auto& i : page.items) {
      json item = {{"id", i.id}, {"kind", ToString(i.kind)}, {"episode_id", i.episode_id}, {"state", ToString(i.state)},
                   {"at", FormatRfc3339(i.at)}, {"due_date", i.due_date ? json(*i.due_date) : json(nullptr)},
                   {"body", json::parse(i.body, nullptr, false)}};
      understood[i.scope == InsightScope::kCore ? "memory" : "episodes"].push_back(std::move(item));
      ++insights;
    }
    if (!page.next_cursor) break;
    cursor = *page.next_cursor;
  }
  RETURN_IF_ERROR(tar.Add("understanding.json", understood.dump(2), now));
  size_t digests = 0;
  cursor.clear();
  while (true) {
    ASSIGN_OR_RETURN(auto page, stores_.digests.ListDigests(tenant.id, "", "", 366, cursor));
    for (const Digest& listed : page.items) {
      ASSIGN_OR_RETURN(auto digest, stores_.digests.GetDigest(tenant.id, listed.date));
      if (!digest || digest->status != DigestStatus::kReady) continue;
      RETURN_IF_ERROR(tar.Add("digests/" + digest->date + ".json", digest->content_json, digest->updated_at));
      RETURN_IF_ERROR(tar.Add("digests/" + digest->date + ".md", digest->markdown, digest->updated_at));
      RETURN_IF_ERROR(tar.Add("digests/" + digest->date + ".pdf", digest->pdf, digest->updated_at));
      ++digests;
    }
    if (!page.next_cursor) break;
    cursor = *page.next_cursor;
  }
  json manifest = {{"format", "reflexio-export-1"},
                   {"tenant", {{"id", tenant.id}, {"name", tenant.name}}},
                   {"exported_at", FormatRfc3339(now)},
                   {"recordings", recordings.size()},
                   {"audio_files", audio_files},
                   {"insights", insights},
                   {"digests", digests},
                   {"settings", SettingsJson(settings.stored)}};
  RETURN_IF_ERROR(tar.Add("manifest.json", manifest.dump(2), now));
  ASSIGN_OR_RETURN(std::string archive, tar.Finish());
  json detail = {{"recordings", recordings.size()}, {"audio_files", audio_files}, {"bytes", archive.size()}};
  RETURN_IF_ERROR(stores_.privacy.AppendAudit({tenant.id, "", now, actor, "export", detail.dump()}));
  return archive;
}

Result<EraseReport> PrivacyControls::Erase(const std::string& tenant_id, const std::string& actor) {
  ASSIGN_OR_RETURN(auto recordings, AllRecordings(tenant_id));
  Status erased = stores_.tenants.EraseTenantData(tenant_id);
  if (keyring_ != nullptr) keyring_->Forget(tenant_id);
  RETURN_IF_ERROR(erased);
  EraseReport report;
  report.recordings_deleted = static_cast<int64_t>(recordings.size());
  for (const Recording& r : recordings) {
    for (const std::string* key : {&r.audio_path, &r.source_path}) {
      if (key->empty()) continue;
      // Already unreadable (its key is gone); removing it frees the space.
      Status removed = blobs_.Delete(*key);
      if (removed.ok()) ++report.objects_deleted;
      else LOG_WARN("erase could not remove object " << *key << ": " << removed.message());
    }
  }
  json detail = {{"recordings_deleted", report.recordings_deleted}, {"objects_deleted", report.objects_deleted},
                 {"data_key_destroyed", true}};
  RETURN_IF_ERROR(stores_.privacy.AppendAudit({tenant_id, "", {}, actor, "erase", detail.dump()}));
  return report;
}

}  // namespace reflexio
