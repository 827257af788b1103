#include "digest/service.h"

#include <chrono>
#include <thread>

#include "core/local_time.h"
#include "core/log.h"
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

Result<Digest> DigestService::Build(const std::string& tenant_id, const std::string& date, bool only_if_stale) {
  RETURN_IF_ERROR(CheckDate(date));
  ASSIGN_OR_RETURN(std::string zone, TimeZoneOf(tenant_id));
  DigestBuilder builder(stores_);
  DigestDay day{tenant_id, date, zone};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(kWaitForBuild_s);
  while (true) {
    ASSIGN_OR_RETURN(std::string hash, builder.InputsHash(day));
    ASSIGN_OR_RETURN(auto stored, stores_.digests.GetDigest(tenant_id, date));
    if (only_if_stale && stored && stored->status == "ready" && stored->inputs_hash == hash) return *stored;
    ASSIGN_OR_RETURN(bool claimed, stores_.digests.ClaimDigestBuild(tenant_id, date, AddSeconds(clock_.Now(), kBuildLease_s)));
    if (!claimed) {
      // Someone else is building this day: wait for theirs rather than build it twice.
      if (std::chrono::steady_clock::now() > deadline) {
        return Unavailable("the digest of " + date + " is still being built; try again shortly", "digest_generating");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      only_if_stale = true;  // theirs will do once it is ready
      continue;
    }
    Digest digest;
    digest.tenant_id = tenant_id;
    digest.date = date;
    digest.inputs_hash = hash;
    auto content = builder.Build(day);
    Result<std::string> pdf = content.ok() ? RenderDigestPdf(*content) : Result<std::string>(content.status());
    if (!content.ok() || !pdf.ok()) {
      digest.status = "failed";
      digest.error = content.ok() ? pdf.status().message() : content.status().message();
      LOG_WARN("the digest of " << date << " for tenant " << tenant_id << " failed: " << digest.error);
      RETURN_IF_ERROR(stores_.digests.StoreDigest(digest));
      return Internal("the digest of " + date + " could not be built: " + digest.error, "digest_failed");
    }
    digest.status = "ready";
    digest.content_json = content->dump(2);
    digest.markdown = RenderDigestMarkdown(*content);
    digest.pdf = std::move(*pdf);
    RETURN_IF_ERROR(stores_.digests.StoreDigest(digest));
    ASSIGN_OR_RETURN(auto stored_now, stores_.digests.GetDigest(tenant_id, date));  // as stored: with its time
    if (!stored_now) return Internal("the digest of " + date + " vanished after it was stored");
    return *stored_now;
  }
}

}  // namespace reflexio
