// Local calendar time in a person's zone, by IANA name ("Europe/Moscow", "America/New_York"),
// from ICU's time-zone database, so days and clock times stay right across daylight-saving
// changes: a local day is 23 or 25 hours long on those days, and a clock time the change skips
// ("02:30" on a spring-forward night) is the instant just after the jump. Dates are
// "YYYY-MM-DD", clock times "HH:MM". Pure functions, thread-safe.
#pragma once

#include <string>

#include "core/status.h"
#include "core/time.h"

namespace reflexio {

bool IsKnownTimeZone(const std::string& zone);
// kInvalidArgument for "2026-13-01", "26.11.2026", …
Status CheckDate(const std::string& date);
Status CheckClockTime(const std::string& hh_mm);

// The local date at `t`.
Result<std::string> LocalDate(TimePoint t, const std::string& zone);
// "HH:MM:SS" on the local clock at `t`.
Result<std::string> LocalClock(TimePoint t, const std::string& zone);
// The zone's offset from UTC at `t`, in minutes (east positive).
Result<int> UtcOffsetMinutes(TimePoint t, const std::string& zone);
// The instant the local clock shows `hh_mm` on `date`.
Result<TimePoint> LocalClockTime(const std::string& date, const std::string& hh_mm, const std::string& zone);
// [first instant of `date`, first instant of the next day) in the zone.
struct LocalDayBounds {
  TimePoint start{};
  TimePoint end{};
};
Result<LocalDayBounds> LocalDay(const std::string& date, const std::string& zone);
// `date` moved by `days` on the calendar.
std::string AddDays(const std::string& date, int days);

}  // namespace reflexio
