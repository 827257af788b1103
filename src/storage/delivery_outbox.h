// DeliveryOutbox: digests on their way to Telegram (model/digest.h's DigestDelivery), leased
// to one sender at a time so a step is never sent twice by two processes. Messages are sealed by
// the decorator (privacy/sealed_stores.h). Every call but GetDeliveryStats names its tenant.
// Implementations are thread-safe and safe across processes.
//
// AddDelivery inserts a delivery; when one of that tenant, date and origin exists it returns
// false and changes nothing — unless `replace`, when it starts over with the new one (not while
// a sender holds its lease: then false as well). ClaimDeliveries leases (until `lease_until`)
// the tenant's pending deliveries that are due and not leased, or, with `only`, that one
// delivery whenever it is due. UpdateDelivery writes a delivery's progress (state, steps, ids,
// attempts, next attempt, lease, error) — not its messages.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/digest.h"

namespace reflexio {

class DeliveryOutbox {
 public:
  virtual ~DeliveryOutbox() = default;

  virtual Result<bool> AddDelivery(const DigestDelivery& delivery, bool replace) = 0;
  virtual Result<std::optional<DigestDelivery>> GetDelivery(const std::string& tenant_id, const std::string& date,
                                                            DeliveryOrigin origin) = 0;
  virtual Result<std::vector<DigestDelivery>> ListDeliveries(const std::string& tenant_id, const std::string& date) = 0;
  virtual Result<std::vector<DigestDelivery>> ClaimDeliveries(const std::string& tenant_id,
                                                              const std::optional<DeliveryKey>& only,
                                                              TimePoint lease_until, int limit) = 0;
  virtual Status UpdateDelivery(const DigestDelivery& delivery) = 0;
  // Across all tenants, counts only.
  virtual Result<DeliveryStats> GetDeliveryStats(TimePoint failed_since) = 0;
};

}  // namespace reflexio
