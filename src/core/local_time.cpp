#include "core/local_time.h"

#include <unicode/gregocal.h>
#include <unicode/timezone.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace reflexio {

namespace {

std::unique_ptr<icu::TimeZone> Zone(const std::string& zone) {
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(zone)));
  if (!tz || *tz == icu::TimeZone::getUnknown()) return nullptr;
  return tz;
}

Status UnknownZone(const std::string& zone) {
  return InvalidArgument("unknown time zone '" + zone + "' (use an IANA name such as Europe/Berlin)", "invalid_timezone");
}

struct Ymd {
  int year = 0, month = 0, day = 0;
};

bool ParseYmd(const std::string& date, Ymd& out) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return false;
  }
  out = {std::stoi(date.substr(0, 4)), std::stoi(date.substr(5, 2)), std::stoi(date.substr(8, 2))};
  std::chrono::year_month_day ymd{std::chrono::year(out.year), std::chrono::month(static_cast<unsigned>(out.month)),
                                  std::chrono::day(static_cast<unsigned>(out.day))};
  return ymd.ok();
}

double Millis(TimePoint t) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

TimePoint FromMillis(double ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(static_cast<int64_t>(ms))));
}

Result<std::unique_ptr<icu::GregorianCalendar>> CalendarIn(const std::string& zone) {
  auto tz = Zone(zone);
  if (!tz) return UnknownZone(zone);
  UErrorCode status = U_ZERO_ERROR;
  auto calendar = std::make_unique<icu::GregorianCalendar>(tz.release(), status);  // adopts the zone
  if (U_FAILURE(status)) return Internal("ICU calendar: " + std::string(u_errorName(status)));
  return calendar;
}

}  // namespace

bool IsKnownTimeZone(const std::string& zone) { return Zone(zone) != nullptr; }

Status CheckDate(const std::string& date) {
  Ymd ymd;
  if (!ParseYmd(date, ymd)) return InvalidArgument("'" + date + "' is not a date (YYYY-MM-DD)", "invalid_date");
  return Status::Ok();
}

Status CheckClockTime(const std::string& hh_mm) {
  if (hh_mm.size() != 5 || hh_mm[2] != ':' || !std::isdigit(static_cast<unsigned char>(hh_mm[0])) ||
      !std::isdigit(static_cast<unsigned char>(hh_mm[1])) || !std::isdigit(static_cast<unsigned char>(hh_mm[3])) ||
      !std::isdigit(static_cast<unsigned char>(hh_mm[4])) || std::stoi(hh_mm.substr(0, 2)) > 23 ||
      std::stoi(hh_mm.substr(3, 2)) > 59) {
    return InvalidArgument("'" + hh_mm + "' is not a clock time (HH:MM, 00:00 to 23:59)", "invalid_time");
  }
  return Status::Ok();
}

namespace {

struct LocalFields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;  // month 1-12
};

// The zone's calendar and clock at `t`.
Result<LocalFields> FieldsAt(TimePoint t, const std::string& zone) {
  ASSIGN_OR_RETURN(auto calendar, CalendarIn(zone));
  UErrorCode status = U_ZERO_ERROR;
  calendar->setTime(Millis(t), status);
  LocalFields f{calendar->get(UCAL_YEAR, status),        calendar->get(UCAL_MONTH, status) + 1,
                calendar->get(UCAL_DATE, status),        calendar->get(UCAL_HOUR_OF_DAY, status),
                calendar->get(UCAL_MINUTE, status),      calendar->get(UCAL_SECOND, status)};
  if (U_FAILURE(status)) return Internal("ICU calendar: " + std::string(u_errorName(status)));
  return f;
}

}  // namespace

Result<std::string> LocalDate(TimePoint t, const std::string& zone) {
  ASSIGN_OR_RETURN(LocalFields f, FieldsAt(t, zone));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", f.year, f.month, f.day);
  return std::string(buf);
}

Result<std::string> LocalClock(TimePoint t, const std::string& zone) {
  ASSIGN_OR_RETURN(LocalFields f, FieldsAt(t, zone));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", f.hour, f.minute, f.second);
  return std::string(buf);
}

Result<int> UtcOffsetMinutes(TimePoint t, const std::string& zone) {
  auto tz = Zone(zone);
  if (!tz) return UnknownZone(zone);
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  tz->getOffset(Millis(t), /*local=*/false, raw, dst, status);
  if (U_FAILURE(status)) return Internal("ICU offset: " + std::string(u_errorName(status)));
  return (raw + dst) / 60000;
}

Result<TimePoint> LocalClockTime(const std::string& date, const std::string& hh_mm, const std::string& zone) {
  Ymd ymd;
  if (!ParseYmd(date, ymd)) return InvalidArgument("'" + date + "' is not a date (YYYY-MM-DD)", "invalid_date");
  RETURN_IF_ERROR(CheckClockTime(hh_mm));
  ASSIGN_OR_RETURN(auto calendar, CalendarIn(zone));
  calendar->clear();
  // A wall time the zone skips is read as the instant after the jump; a repeated one as the first.
  calendar->setSkippedWallTimeOption(UCAL_WALLTIME_NEXT_VALID);
  calendar->setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);
  calendar->set(ymd.year, ymd.month - 1, ymd.day, std::stoi(hh_mm.substr(0, 2)), std::stoi(hh_mm.substr(3, 2)), 0);
  UErrorCode status = U_ZERO_ERROR;
  UDate at = calendar->getTime(status);
  if (U_FAILURE(status)) return Internal("ICU calendar: " + std::string(u_errorName(status)));
  return FromMillis(at);
}

Result<LocalDayBounds> LocalDay(const std::string& date, const std::string& zone) {
  ASSIGN_OR_RETURN(TimePoint start, LocalClockTime(date, "00:00", zone));
  ASSIGN_OR_RETURN(TimePoint end, LocalClockTime(AddDays(date, 1), "00:00", zone));
  return LocalDayBounds{start, end};
}

std::string AddDays(const std::string& date, int days) {
  Ymd ymd;
  if (!ParseYmd(date, ymd)) return date;
  std::chrono::sys_days day{std::chrono::year_month_day{std::chrono::year(ymd.year),
                                                        std::chrono::month(static_cast<unsigned>(ymd.month)),
                                                        std::chrono::day(static_cast<unsigned>(ymd.day))}};
  std::chrono::year_month_day moved{day + std::chrono::days(days)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(moved.year()), unsigned(moved.month()), unsigned(moved.day()));
  return buf;
}

}  // namespace reflexio
