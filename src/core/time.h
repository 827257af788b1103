// Wall-clock time: a replaceable Clock and RFC 3339 conversion.
//
// Reflexio stores and prints times as RFC 3339 in UTC with millisecond precision
// ("2026-11-26T22:50:00.000Z"); that fixed-width form sorts correctly as text, which the
// databases rely on. Parsing accepts any RFC 3339 offset and fractional seconds.
// Clock implementations must be thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace reflexio {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& Instance();
};

// "2026-11-26T22:50:00.123Z"
std::string FormatRfc3339(TimePoint t);
Result<TimePoint> ParseRfc3339(std::string_view text);

double ToUnixSeconds(TimePoint t);
TimePoint FromUnixSeconds(double seconds);
TimePoint AddSeconds(TimePoint t, double seconds);
// Seconds (a setting, a computed wait) as a duration for timers, to the millisecond below.
inline std::chrono::milliseconds ToMilliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace reflexio
