#include "text/dates.h"

#include <gtest/gtest.h>

namespace reflexio {
namespace {

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// 2026-11-26 is a Thursday.
TEST(DueDates, RelativeDaysResolveAgainstTheMomentOfSpeech) {
  auto said = At("2026-11-26T15:00:00Z");
  EXPECT_EQ(FindDueDate("send the report tomorrow", said)->date, "2026-11-27");
  EXPECT_EQ(FindDueDate("finish it today", said)->date, "2026-11-26");
  EXPECT_EQ(FindDueDate("the day after tomorrow we fly", said)->date, "2026-11-28");
  EXPECT_EQ(FindDueDate("in three days", said)->date, "2026-11-29");
  EXPECT_EQ(FindDueDate("in a week", said)->date, "2026-12-03");
  EXPECT_EQ(FindDueDate("next week", said)->date, "2026-11-30");  // the Monday after
  EXPECT_EQ(FindDueDate("отправлю завтра", said)->date, "2026-11-27");
  EXPECT_EQ(FindDueDate("через два дня", said)->date, "2026-11-28");
  EXPECT_EQ(FindDueDate("на следующей неделе", said)->date, "2026-11-30");
  // The same words said on another day mean another date: capture time is the clock.
  EXPECT_EQ(FindDueDate("send the report tomorrow", At("2026-01-31T10:00:00Z"))->date, "2026-02-01");
}

TEST(DueDates, WeekdaysMeanTheirNextOccurrence) {
  auto thursday = At("2026-11-26T09:00:00Z");
  EXPECT_EQ(FindDueDate("call him on friday", thursday)->date, "2026-11-27");
  EXPECT_EQ(FindDueDate("call him on friday", thursday)->phrase, "on friday");
  EXPECT_EQ(FindDueDate("by thursday", thursday)->date, "2026-12-03");
  EXPECT_EQ(FindDueDate("позвони в понедельник", thursday)->date, "2026-11-30");
}

TEST(DueDates, TimesOfDayAndZones) {
  auto said = At("2026-11-26T22:30:00Z");
  auto due = FindDueDate("meet at five pm tomorrow", said);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->date, "2026-11-27");
  EXPECT_EQ(due->time, "17:00");
  EXPECT_EQ(FindDueDate("встреча в пять часов вечера", said)->time, "17:00");
  // 22:30 UTC is already the 27th three hours east: "tomorrow" is then the 28th.
  EXPECT_EQ(FindDueDate("tomorrow", said, 180)->date, "2026-11-28");
}

TEST(DueDates, NoDateInOrdinarySpeech) {
  auto said = At("2026-11-26T15:00:00Z");
  EXPECT_FALSE(FindDueDate("please call stella ask her to bring these things with her from the store", said));
  EXPECT_FALSE(FindDueDate("at a time like this", said));
  EXPECT_FALSE(FindDueDate("", said));
}

}  // namespace
}  // namespace reflexio
