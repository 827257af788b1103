#include "core/status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace reflexio {
namespace {

TEST(Result, HoldsAValueOrAStatus) {
  Result<int> seven = 7;
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(*seven, 7);
  Result<int> missing = NotFound("no such thing", "thing_not_found");
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(), "thing_not_found");
  EXPECT_EQ(HttpStatusFor(missing.status().code()), 404);
}

TEST(StatusTest, DetailsTravelWithTheStatusThroughContext) {
  Status quota = Status(ErrorCode::kPaymentRequired, "quota_exceeded", "today's minutes are used")
                     .WithDetails({{"limit_minutes", 30}});
  EXPECT_EQ(HttpStatusFor(quota.code()), 402);
  Status with_context = quota.WithContext("upload");
  EXPECT_EQ(with_context.message(), "upload: today's minutes are used");
  ASSERT_NE(with_context.details(), nullptr);
  EXPECT_EQ((*with_context.details())["limit_minutes"], 30);
  EXPECT_EQ(InvalidArgument("no").details(), nullptr);
}

// Reading a failed Result is a broken invariant: the process stops and says why, instead of
// reading an empty optional.
TEST(ResultDeathTest, ReadingTheValueOfAFailedResultStopsTheProcess) {
  Result<std::string> failed = InvalidArgument("the date is not a date", "invalid_date");
  EXPECT_DEATH((void)failed.value(), "check failed: .*failed Result was read: invalid_date: the date is not a date");
  EXPECT_DEATH((void)failed->size(), "failed Result was read");
  EXPECT_DEATH((void)*failed, "failed Result was read");
}

TEST(CheckDeathTest, ABrokenInvariantNamesItsPlace) {
  int frames = 3;
  EXPECT_DEATH(REFLEXIO_CHECK(frames == 4, "frames were counted twice"), "status_test.cpp:.*frames == 4: frames were counted twice");
  REFLEXIO_CHECK(frames == 3, "never printed");
}

}  // namespace
}  // namespace reflexio
