// UsageLedger: how much each tenant spoke per UTC day. Thread-safe.
//
// RollUpDailyUsage writes the totals of the recordings captured on `day` ("YYYY-MM-DD") to
// usage_daily for every tenant that has any and returns how many tenants were rolled up.
// Idempotent: running it again for the same day rewrites the same totals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "model/tenant.h"

namespace reflexio {

class UsageLedger {
 public:
  virtual ~UsageLedger() = default;

  virtual Result<int64_t> RollUpDailyUsage(const std::string& day) = 0;
  virtual Result<std::optional<DailyUsage>> GetDailyUsage(const std::string& tenant_id, const std::string& day) = 0;
};

}  // namespace reflexio
