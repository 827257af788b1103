// DigestSchedule: the scheduler's digest round. For every tenant it builds the digest of the
// local day once the tenant's clock has passed their digest time (default 22:50 in their zone;
// daylight-saving safe, see core/local_time.h), and catches up the days a stopped server missed
// — up to kCatchUpDays back, those that had recordings. A day whose digest is stored (ready) is
// left alone; a failed one is tried again next round. Thread-compatible: the scheduler's leader
// runs it.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "digest/service.h"
#include "storage/database.h"

namespace reflexio {

struct DigestRoundReport {
  int64_t built = 0;
  int64_t failed = 0;
};

class DigestSchedule {
 public:
  static constexpr int kCatchUpDays = 3;

  DigestSchedule(Database& db, DigestService& service, const Clock& clock = SystemClock::Instance())
      : db_(db), service_(service), clock_(clock) {}

  Result<DigestRoundReport> Run();

  // The local dates whose digest time has passed at `now`: today's once its time came, and the
  // kCatchUpDays before it; oldest first.
  static Result<std::vector<std::string>> DueDates(TimePoint now, const std::string& zone,
                                                   const std::string& digest_time, int catch_up_days = kCatchUpDays);

 private:
  Database& db_;
  DigestService& service_;
  const Clock& clock_;
};

}  // namespace reflexio
