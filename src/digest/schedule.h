// DigestSchedule: the scheduler's digest round. For every tenant it builds the digest of the
// local day once the tenant's clock has passed their digest time (default 22:50 in their zone;
// daylight-saving safe, see core/local_time.h), and catches up the days a stopped server missed
// — up to kCatchUpDays back, those that had recordings. A day some of whose recordings are still
// being transcribed waits for them. Each built digest goes into the Telegram outbox (origin
// "schedule"), and that delivery is what marks the day done: a day is built and delivered once,
// across restarts; a failed build is tried again next round. Then the round sends what the
// outbox has due. Thread-compatible: the scheduler's leader runs it.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "digest/service.h"
#include "digest/telegram_outbox.h"
#include "storage/database.h"

namespace reflexio {

struct DigestRoundReport {
  int64_t built = 0;
  int64_t failed = 0;
  int64_t waiting = 0;  // days still being transcribed, or being built by another process
  DeliveryRoundReport deliveries;
};

class DigestSchedule {
 public:
  static constexpr int kCatchUpDays = 3;

  DigestSchedule(const Stores& stores, DigestService& service, TelegramOutbox& outbox,
                 const Clock& clock = SystemClock::Instance())
      : stores_(stores), service_(service), outbox_(outbox), clock_(clock) {}

  Result<DigestRoundReport> Run();

  // The local dates whose digest time has passed at `now`: today's once its time came, and the
  // kCatchUpDays before it; oldest first.
  static Result<std::vector<std::string>> DueDates(TimePoint now, const std::string& zone,
                                                   const std::string& digest_time, int catch_up_days = kCatchUpDays);

 private:
  Stores stores_;
  DigestService& service_;
  TelegramOutbox& outbox_;
  const Clock& clock_;
};

}  // namespace reflexio
