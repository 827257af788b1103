// What a subscription entitles to at a moment: checked at use, so premium ends with its period
// or its grace even when no webhook says so.
#include "billing/entitlement.h"

#include <gtest/gtest.h>

namespace reflexio {
namespace {

class EntitlementTest : public ::testing::Test {
 protected:
  Pricing pricing_ = ParsePricing(DefaultPricingText(), false).value();
  TimePoint now_ = FromUnixSeconds(1795733400);

  Subscription Premium(const std::string& status, double period_left_s) {
    Subscription s;
    s.plan_id = "premium_monthly";
    s.status = status;
    s.current_period_end = AddSeconds(now_, period_left_s);
    return s;
  }
};

TEST_F(EntitlementTest, NoSubscriptionIsTheFreePlan) {
  Entitlement e = EntitlementAt(std::nullopt, pricing_, now_);
  EXPECT_EQ(e.plan->id, "free");
  EXPECT_EQ(e.state, "free");
  EXPECT_FALSE(e.premium_until.has_value());
}

TEST_F(EntitlementTest, AnActivePeriodIsPremiumUntilItEndsUnpaid) {
  Subscription s = Premium("active", 3600);
  Entitlement during = EntitlementAt(s, pricing_, now_);
  EXPECT_EQ(during.plan->id, "premium_monthly");
  EXPECT_EQ(during.state, "active");
  EXPECT_EQ(ToUnixSeconds(*during.premium_until), ToUnixSeconds(now_) + 3600);
  Entitlement after = EntitlementAt(s, pricing_, AddSeconds(now_, 3600));
  EXPECT_EQ(after.plan->id, "free") << "the period ended and no renewal came";
  EXPECT_EQ(after.state, "lapsed");
}

TEST_F(EntitlementTest, ACancellationAtPeriodEndKeepsPremiumUntilThen) {
  Subscription s = Premium("active", 3600);
  s.cancel_at_period_end = true;
  EXPECT_EQ(EntitlementAt(s, pricing_, now_).state, "canceling");
  EXPECT_EQ(EntitlementAt(s, pricing_, now_).plan->id, "premium_monthly");
  EXPECT_EQ(EntitlementAt(s, pricing_, AddSeconds(now_, 7200)).plan->id, "free");
}

TEST_F(EntitlementTest, AFailedPaymentKeepsPremiumThroughGraceOnly) {
  Subscription s = Premium("past_due", -60);
  s.grace_until = AddSeconds(now_, 3600);
  EXPECT_EQ(EntitlementAt(s, pricing_, now_).state, "grace");
  EXPECT_EQ(EntitlementAt(s, pricing_, now_).plan->id, "premium_monthly");
  Entitlement lapsed = EntitlementAt(s, pricing_, AddSeconds(now_, 3600));
  EXPECT_EQ(lapsed.state, "lapsed");
  EXPECT_EQ(lapsed.plan->id, "free");
  s.grace_until.reset();
  EXPECT_EQ(EntitlementAt(s, pricing_, now_).state, "lapsed") << "past due without a grace period";
}

TEST_F(EntitlementTest, CanceledAndOtherStatusesAreFree) {
  EXPECT_EQ(EntitlementAt(Premium("canceled", 3600), pricing_, now_).state, "canceled");
  for (const char* status : {"unpaid", "incomplete", "incomplete_expired", "paused"}) {
    Entitlement e = EntitlementAt(Premium(status, 3600), pricing_, now_);
    EXPECT_EQ(e.state, "inactive") << status;
    EXPECT_EQ(e.plan->id, "free") << status;
  }
}

TEST_F(EntitlementTest, APlanThePricingNoLongerListsKeepsWhatWasPaidFor) {
  Subscription s = Premium("active", 3600);
  s.plan_id = "premium_2025";
  Entitlement e = EntitlementAt(s, pricing_, now_);
  EXPECT_NE(e.plan->id, "free");
  EXPECT_FALSE(e.plan->daily_speech_minutes.has_value()) << "an unlimited paid plan";
}

}  // namespace
}  // namespace reflexio
