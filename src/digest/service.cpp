#include "digest/service.h"

#include "core/local_time.h"
#include "core/log.h"
#include "crypto/digest.h"
#include "digest/builder.h"
#include "digest/markdown.h"
#include "digest/pdf.h"

namespace reflexio {

Result<std::string> DigestService::TimeZoneOf(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(TenantSettings settings, stores_.privacy.GetTenantSettings(tenant_id));
  return settings.timezone.value_or(config_.timezone);
}

Result<std::string> DigestService::DigestTimeOf(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(TenantSettings settings, stores_.privacy.GetTenantSettings(tenant_id));
  return settings.digest_time.value_or(config_.digest_time);
}

Result<std::string> DigestService::ResolveDate(const std::string& tenant_id, const std::string& date) {
  if (date == "today" || date == "yesterday") {
    ASSIGN_OR_RETURN(std::string zone, TimeZoneOf(tenant_id));
    ASSIGN_OR_RETURN(std::string today, LocalDate(clock_.Now(), zone));
    return date == "today" ? today : AddDays(today, -1);
  }
  RETURN_IF_ERROR(CheckDate(date));
  return date;
}

Result<Digest> DigestService::Fresh(const std::string& tenant_id, const std::string& date) {
  return Build(tenant_id, date, /*only_if_stale=*/true);
}

Result<Digest> DigestService::Rebuild(const std::string& tenant_id, const std::string& date) {
  return Build(tenant_id, date, /*only_if_stale=*/false);
}

Result<std::string> DigestService::InputsFingerprint(const std::string& tenant_id, const std::string& date,
                                                    const std::string& zone) {
  ASSIGN_OR_RETURN(LocalDayBounds bounds, LocalDay(date, zone));
  ASSIGN_OR_RETURN(DigestInputs inputs, stores_.digests.GetDigestInputs(tenant_id, date, {bounds.start, bounds.end}));
  std::string fingerprint = "reflexio-digest-2|" + date + "|" + zone;
  for (const auto* source : {&inputs.recordings, &inputs.episode_insights, &inputs.actions, &inputs.memory,
                             &inputs.episodes}) {
    fingerprint += "|" + std::to_string(source->rows) + "," + std::to_string(source->total) + "," +
                   (source->last_change ? FormatRfc3339(*source->last_change) : std::string("-"));
  }
  return Sha256Hex(fingerprint);
}

Result<Digest> DigestService::Build(const std::string& tenant_id, const std::string& date, bool only_if_stale) {
  RETURN_IF_ERROR(CheckDate(date));
  ASSIGN_OR_RETURN(std::string zone, TimeZoneOf(tenant_id));
  ASSIGN_OR_RETURN(std::string hash, InputsFingerprint(tenant_id, date, zone));
  ASSIGN_OR_RETURN(auto stored, stores_.digests.GetDigest(tenant_id, date));
  if (only_if_stale && stored && stored->status == DigestStatus::kReady && stored->inputs_hash == hash) return *stored;
  ASSIGN_OR_RETURN(bool claimed, stores_.digests.ClaimDigestBuild(tenant_id, date, AddSeconds(clock_.Now(), kBuildLease_s)));
  if (!claimed) {
    return Unavailable("the digest of " + date + " is being built; ask again in " + std::to_string(kRetryAfter_s) +
                           " s",
                       "digest_generating");
  }
  DigestBuilder builder(stores_, on_the_spot_);
  DigestDay day{tenant_id, date, zone};
  Digest digest;
  digest.tenant_id = tenant_id;
  digest.date = date;
  digest.inputs_hash = hash;
  auto content = builder.Build(day);
  Result<std::string> pdf = content.ok() ? RenderDigestPdf(*content) : Result<std::string>(content.status());
  if (!content.ok() || !pdf.ok()) {
    digest.status = DigestStatus::kFailed;
    digest.error = content.ok() ? pdf.status().message() : content.status().message();
    LOG_WARN("the digest of " << date << " for tenant " << tenant_id << " failed: " << digest.error);
    RETURN_IF_ERROR(stores_.digests.StoreDigest(digest));
    return Internal("the digest of " + date + " could not be built: " + digest.error, "digest_failed");
  }
  digest.status = DigestStatus::kReady;
  digest.content_json = nlohmann::json(*content).dump(2);
  digest.markdown = RenderDigestMarkdown(*content);
  digest.pdf = std::move(*pdf);
  RETURN_IF_ERROR(stores_.digests.StoreDigest(digest));
  ASSIGN_OR_RETURN(auto stored_now, stores_.digests.GetDigest(tenant_id, date));  // as stored: with its time
  if (!stored_now) return Internal("the digest of " + date + " vanished after it was stored");
  return *stored_now;
}

}  // namespace reflexio
