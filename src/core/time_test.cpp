#include "core/time.h"

#include <gtest/gtest.h>

namespace reflexio {
namespace {

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(1795733400.25)), "2026-11-26T22:50:00.250Z");
}

TEST(Rfc3339, ParsesOffsetsAndFractions) {
  auto utc = ParseRfc3339("2026-11-26T22:50:00Z");
  ASSERT_TRUE(utc.ok());
  EXPECT_DOUBLE_EQ(ToUnixSeconds(*utc), 1795733400.0);
  auto moscow = ParseRfc3339("2026-11-27T01:50:00.5+03:00");
  ASSERT_TRUE(moscow.ok());
  EXPECT_DOUBLE_EQ(ToUnixSeconds(*moscow), 1795733400.5);
}

TEST(Rfc3339, RoundTrips) {
  TimePoint t = FromUnixSeconds(1700000000.123);
  auto parsed = ParseRfc3339(FormatRfc3339(t));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(FormatRfc3339(*parsed), FormatRfc3339(t));
}

TEST(Rfc3339, RejectsWhatIsNotATime) {
  for (const char* bad : {"", "yesterday", "2026-11-26", "2026-11-26T22:50:00", "2026-13-01T00:00:00Z",
                          "2026-11-26T22:50:00Zjunk", "2026-11-26T22:50:00+0300"}) {
    auto r = ParseRfc3339(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace reflexio
