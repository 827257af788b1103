#include "core/time.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace reflexio {

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

std::string FormatRfc3339(TimePoint t) {
  using namespace std::chrono;
  auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms_total >= 0 ? ms_total / 1000 : (ms_total - 999) / 1000);
  int ms = static_cast<int>(ms_total - static_cast<long long>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

namespace {
bool ReadDigits(std::string_view s, size_t& pos, int count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (int i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + (c - '0');
  }
  pos += count;
  return true;
}
bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && (s[pos] == c || std::tolower(static_cast<unsigned char>(s[pos])) ==
                                            std::tolower(static_cast<unsigned char>(c)))) {
    ++pos;
    return true;
  }
  return false;
}
}  // namespace

Result<TimePoint> ParseRfc3339(std::string_view s) {
  auto bad = [&] {
    return InvalidArgument("'" + std::string(s) +
                               "' is not an RFC 3339 time such as 2026-11-26T22:50:00Z",
                           "invalid_time");
  };
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(s, pos, 4, year) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, month) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, day) ||
      !(Expect(s, pos, 'T') || Expect(s, pos, ' ')) || !ReadDigits(s, pos, 2, hour) ||
      !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, minute) || !Expect(s, pos, ':') ||
      !ReadDigits(s, pos, 2, second)) {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  double fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    double scale = 0.1;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      fraction += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  int offset_minutes = 0;
  if (Expect(s, pos, 'Z')) {
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadDigits(s, pos, 2, oh) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, om)) {
      return bad();
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  double unix_seconds = static_cast<double>(t) - offset_minutes * 60.0 + fraction;
  return FromUnixSeconds(unix_seconds);
}

double ToUnixSeconds(TimePoint t) {
  using namespace std::chrono;
  return duration_cast<microseconds>(t.time_since_epoch()).count() / 1e6;
}

TimePoint FromUnixSeconds(double seconds) {
  using namespace std::chrono;
  return TimePoint(duration_cast<system_clock::duration>(
      microseconds(static_cast<long long>(std::llround(seconds * 1e6)))));
}

TimePoint AddSeconds(TimePoint t, double seconds) {
  using namespace std::chrono;
  return t + duration_cast<system_clock::duration>(
                 microseconds(static_cast<long long>(std::llround(seconds * 1e6))));
}

}  // namespace reflexio
