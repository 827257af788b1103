// DigestStore: each tenant's digest of a local day, and the lease that keeps two builds of one
// day from running at once. Contents are sealed by the decorator (privacy/sealed_stores.h).
// Every call names its tenant and sees only that tenant's rows. Implementations are thread-safe
// and safe across processes.
//
// ClaimDigestBuild marks the day's digest generating until `lease_until` and returns true —
// unless another build holds a lease that has not run out, then false (a crashed build's lease
// expires). StoreDigest writes the result (ready or failed) and ends the lease. ListDigests is
// newest first, without contents, dates from `from` to `to` inclusive (empty: open).
// DeleteDigestsBefore removes the deliveries of those days too. GetDigestInputs summarises the
// rows a digest of `date` (the local day [day.from, day.to)) is built from, without contents.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "core/time.h"
#include "model/digest.h"
#include "model/page.h"

namespace reflexio {

class DigestStore {
 public:
  virtual ~DigestStore() = default;

  virtual Result<std::optional<Digest>> GetDigest(const std::string& tenant_id, const std::string& date) = 0;
  virtual Result<bool> ClaimDigestBuild(const std::string& tenant_id, const std::string& date, TimePoint lease_until) = 0;
  virtual Status StoreDigest(const Digest& digest) = 0;
  virtual Result<Page<Digest>> ListDigests(const std::string& tenant_id, const std::string& from, const std::string& to,
                                           int limit, const std::string& cursor) = 0;
  virtual Status DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) = 0;
  virtual Result<DigestInputs> GetDigestInputs(const std::string& tenant_id, const std::string& date,
                                               const TimeRange& day) = 0;
};

}  // namespace reflexio
