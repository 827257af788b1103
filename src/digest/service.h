// DigestService: a tenant's digest of a local day, always fresh and built once at a time.
//
// Fresh() serves the stored digest while the fingerprint of its inputs still matches — new
// recordings, understanding or a done action make it stale — and otherwise rebuilds it: it
// claims the day (DigestStore::ClaimDigestBuild, a lease of kBuildLease_s), builds the JSON,
// renders Markdown and PDF, and stores all three sealed with status ready — or failed with the
// error. The fingerprint hashes DigestStore::GetDigestInputs (counts and last-change times), so
// serving a fresh digest opens nothing but the digest itself. When another build of the day is
// running, Fresh() and Rebuild() do not wait for it: they answer IsBuilding() at once, and the
// caller asks again later (the API answers 202 with Retry-After). Rebuild() skips the freshness
// check.
//
// Given an EpisodeUnderstanding, a day whose conversations are not all understood yet is built
// provisionally (digest/builder.h); the understanding that lands later changes the fingerprint,
// so the next Fresh() — the evening build included — replaces it.
//
// The tenant's zone is their setting, else the server's REFLEXIO_TIMEZONE. Thread-safe.
#pragma once

#include <string>

#include "core/config.h"
#include "core/time.h"
#include "digest/on_the_spot.h"
#include "storage/database.h"

namespace reflexio {

class DigestService {
 public:
  static constexpr double kBuildLease_s = 120;
  // What to tell a caller that found the day being built: ask again after this long.
  static constexpr int kRetryAfter_s = 2;

  DigestService(const Stores& stores, const Config& config, const Clock& clock = SystemClock::Instance(),
                const EpisodeUnderstanding* on_the_spot = nullptr)
      : stores_(stores), config_(config), clock_(clock), on_the_spot_{on_the_spot, config.episode_gap_s} {}

  Result<std::string> TimeZoneOf(const std::string& tenant_id);
  Result<std::string> DigestTimeOf(const std::string& tenant_id);
  // "today", "yesterday" (in the tenant's zone) or YYYY-MM-DD.
  Result<std::string> ResolveDate(const std::string& tenant_id, const std::string& date);

  Result<Digest> Fresh(const std::string& tenant_id, const std::string& date);
  Result<Digest> Rebuild(const std::string& tenant_id, const std::string& date);
  // The error Fresh() and Rebuild() answer while another build of the day holds its lease.
  static bool IsBuilding(const Status& status) { return status.reason() == "digest_generating"; }
  // What the stored digest's inputs_hash is compared with.
  Result<std::string> InputsFingerprint(const std::string& tenant_id, const std::string& date,
                                        const std::string& zone);

 private:
  Result<Digest> Build(const std::string& tenant_id, const std::string& date, bool only_if_stale);
  Stores stores_;
  const Config& config_;
  const Clock& clock_;
  OnTheSpot on_the_spot_;
};

}  // namespace reflexio
