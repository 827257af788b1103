#include "core/local_time.h"

#include <gtest/gtest.h>

namespace reflexio {
namespace {

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }
double Hours(const LocalDayBounds& d) { return (ToUnixSeconds(d.end) - ToUnixSeconds(d.start)) / 3600; }

TEST(LocalTime, DatesAndClockTimesInAZone) {
  EXPECT_EQ(*LocalDate(At("2026-11-26T22:30:00Z"), "UTC"), "2026-11-26");
  EXPECT_EQ(*LocalDate(At("2026-11-26T22:30:00Z"), "Europe/Moscow"), "2026-11-27");  // UTC+3
  EXPECT_EQ(*LocalDate(At("2026-11-27T03:00:00Z"), "America/New_York"), "2026-11-26");
  EXPECT_EQ(*LocalClock(At("2026-11-26T19:50:00Z"), "Europe/Moscow"), "22:50:00");
  EXPECT_EQ(*UtcOffsetMinutes(At("2026-11-26T12:00:00Z"), "Asia/Kolkata"), 330);
  EXPECT_EQ(FormatRfc3339(*LocalClockTime("2026-11-26", "22:50", "Europe/Moscow")), "2026-11-26T19:50:00.000Z");
  EXPECT_EQ(AddDays("2026-12-31", 1), "2027-01-01");
  EXPECT_EQ(AddDays("2028-03-01", -1), "2028-02-29");
}

TEST(LocalTime, DaylightSavingChangesKeepDaysAndTimesRight) {
  // Berlin springs forward on 2026-03-29 (02:00 → 03:00) and falls back on 2026-10-25.
  EXPECT_DOUBLE_EQ(Hours(*LocalDay("2026-03-29", "Europe/Berlin")), 23);
  EXPECT_DOUBLE_EQ(Hours(*LocalDay("2026-10-25", "Europe/Berlin")), 25);
  EXPECT_DOUBLE_EQ(Hours(*LocalDay("2026-11-26", "Europe/Berlin")), 24);
  // 22:50 is 21:50 UTC in winter time (UTC+1) and 20:50 UTC in summer time (UTC+2).
  EXPECT_EQ(FormatRfc3339(*LocalClockTime("2026-03-28", "22:50", "Europe/Berlin")), "2026-03-28T21:50:00.000Z");
  EXPECT_EQ(FormatRfc3339(*LocalClockTime("2026-03-29", "22:50", "Europe/Berlin")), "2026-03-29T20:50:00.000Z");
  // A skipped clock time is the instant after the jump.
  EXPECT_EQ(FormatRfc3339(*LocalClockTime("2026-03-29", "02:30", "Europe/Berlin")), "2026-03-29T01:00:00.000Z");
}

TEST(LocalTime, BadInputIsRefusedClearly) {
  EXPECT_FALSE(IsKnownTimeZone("Mars/Olympus_Mons"));
  EXPECT_TRUE(IsKnownTimeZone("Europe/Berlin"));
  EXPECT_EQ(LocalDate(At("2026-11-26T00:00:00Z"), "Nowhere").status().reason(), "invalid_timezone");
  EXPECT_EQ(CheckDate("2026-02-30").reason(), "invalid_date");
  EXPECT_EQ(CheckDate("26.11.2026").reason(), "invalid_date");
  EXPECT_TRUE(CheckDate("2028-02-29").ok());
  EXPECT_EQ(CheckClockTime("24:00").reason(), "invalid_time");
  EXPECT_EQ(CheckClockTime("7:30").reason(), "invalid_time");
  EXPECT_TRUE(CheckClockTime("22:50").ok());
}

}  // namespace
}  // namespace reflexio
