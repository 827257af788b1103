// DigestService: a tenant's digest of a local day, always fresh and built once at a time.
//
// Fresh() serves the stored digest while the fingerprint of its inputs (DigestBuilder::
// InputsHash) still matches — new recordings, understanding or a done action make it stale —
// and otherwise rebuilds it: it claims the day (Database::ClaimDigestBuild, a lease of
// kBuildLease_s), builds the JSON, renders Markdown and PDF, and stores all three sealed with
// status ready — or failed with the error. A request that finds another build running waits
// for it (up to kWaitForBuild_s) instead of building twice. Rebuild() skips the freshness check.
//
// The tenant's zone is their setting, else the server's REFLEXIO_TIMEZONE. Thread-safe.
#pragma once

#include <string>

#include "core/config.h"
#include "core/time.h"
#include "storage/database.h"

namespace reflexio {

class DigestService {
 public:
  static constexpr double kBuildLease_s = 120;
  static constexpr double kWaitForBuild_s = 60;

  DigestService(const Stores& stores, const Config& config, const Clock& clock = SystemClock::Instance())
      : stores_(stores), config_(config), clock_(clock) {}

  Result<std::string> TimeZoneOf(const std::string& tenant_id);
  Result<std::string> DigestTimeOf(const std::string& tenant_id);
  // "today", "yesterday" (in the tenant's zone) or YYYY-MM-DD.
  Result<std::string> ResolveDate(const std::string& tenant_id, const std::string& date);

  Result<Digest> Fresh(const std::string& tenant_id, const std::string& date);
  Result<Digest> Rebuild(const std::string& tenant_id, const std::string& date);

 private:
  Result<Digest> Build(const std::string& tenant_id, const std::string& date, bool only_if_stale);
  Stores stores_;
  const Config& config_;
  const Clock& clock_;
};

}  // namespace reflexio
