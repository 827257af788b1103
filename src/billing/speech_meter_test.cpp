// The daily speech allowance on both backends, by a person's local day in a zone far from UTC
// (Asia/Tokyo, UTC+9): exactly at, under and over it, across local midnight, with bonus minutes
// and with premium.
#include "billing/speech_meter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/test_support.h"
#include "storage/testing/test_backend.h"

namespace reflexio {
namespace {

using testing::FakeClock;
using testing::TempDir;

constexpr double kTokyoMidnight = 1795791600;  // 2026-11-28T00:00 in Tokyo; the clock starts at 07:50 on the 27th

class SpeechMeterTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = testing::OpenTestBackend(GetParam(), dir_.path(), clock_);
    db_ = backend_.db.get();
    tenant_ = db_->EnsureTenant("alice").value();
    TenantSettings settings;
    settings.timezone = "Asia/Tokyo";
    ASSERT_TRUE(db_->PutTenantSettings(tenant_.id, settings).ok());
  }

  SpeechMeter Meter(bool enforce = true) {
    return SpeechMeter(*db_, *db_, pricing_, {.enforce = enforce, .default_time_zone = "UTC"}, clock_, metrics_);
  }
  void Record(double speech_s) { testing::AddTranscribedRecording(*db_, tenant_.id, speech_s, clock_.Now()); }
  SpeechUsage Usage(SpeechMeter& meter) {
    auto usage = meter.Usage(tenant_.id);
    EXPECT_TRUE(usage.ok()) << usage.status().ToString();
    return usage.ok() ? *usage : SpeechUsage{};
  }

  TempDir dir_;
  FakeClock clock_;
  Metrics metrics_;
  Pricing pricing_ = ParsePricing(DefaultPricingText(), false).value();  // free: 30 minutes a day
  testing::TestBackend backend_;
  Database* db_ = nullptr;
  Tenant tenant_;
};

INSTANTIATE_TEST_SUITE_P(Backends, SpeechMeterTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(SpeechMeterTest, UnderTheAllowanceUploadsAreAdmittedAndExactlyAtItTheyAreRefused) {
  SpeechMeter meter = Meter();
  Record(1200);
  SpeechUsage under = Usage(meter);
  EXPECT_EQ(under.day, "2026-11-27") << "Tokyo's day, not UTC's 26th";
  EXPECT_EQ(under.used_s, 1200);
  EXPECT_EQ(*under.limit_s, 1800);
  EXPECT_EQ(FormatRfc3339(under.resets_at), "2026-11-27T15:00:00.000Z") << "the next local midnight";
  EXPECT_TRUE(meter.AdmitUpload(tenant_.id).ok());

  Record(600);
  Status refused = meter.AdmitUpload(tenant_.id);
  ASSERT_EQ(refused.code(), ErrorCode::kPaymentRequired) << refused.ToString();
  EXPECT_EQ(refused.reason(), "quota_exceeded");
  ASSERT_NE(refused.details(), nullptr);
  EXPECT_EQ((*refused.details())["used_minutes"], 30);
  EXPECT_EQ((*refused.details())["limit_minutes"], 30);
  EXPECT_EQ((*refused.details())["resets_at"], "2026-11-27T15:00:00.000Z");
  EXPECT_EQ((*refused.details())["plan"], "free");
  EXPECT_NE(metrics_.Serialize().find("reflexio_billing_quota_refusals_total{plan=\"free\"} 1"), std::string::npos);
}

TEST_P(SpeechMeterTest, ADayEndsAtLocalMidnightAndARecordingCountsOnTheDayItArrived) {
  SpeechMeter meter = Meter();
  Record(1800);
  clock_.Advance(kTokyoMidnight - 1 - clock_.seconds());  // 23:59:59 in Tokyo
  EXPECT_FALSE(meter.AdmitUpload(tenant_.id).ok()) << "still the 27th";
  Record(300);  // arrives before midnight, is charged after it
  clock_.Advance(2);
  SpeechUsage next_day = Usage(meter);
  EXPECT_EQ(next_day.day, "2026-11-28");
  EXPECT_EQ(next_day.used_s, 0) << "the late recording belongs to the 27th";
  EXPECT_TRUE(meter.AdmitUpload(tenant_.id).ok());
  EXPECT_EQ(db_->GetSpeechDay(tenant_.id, "2026-11-27")->speech_s, 2100);
  EXPECT_EQ(db_->GetSpeechDay(tenant_.id, "2026-11-27")->over_s, 300);
}

TEST_P(SpeechMeterTest, ARecordingThatCrossesTheAllowanceIsFinishedWholeAndCountedOver) {
  SpeechMeter meter = Meter();
  Record(1500);
  EXPECT_TRUE(meter.AdmitUpload(tenant_.id).ok());
  Record(500);  // admitted at 25 minutes, ends at 33 min 20 s
  SpeechUsage over = Usage(meter);
  EXPECT_EQ(over.used_s, 2000);
  EXPECT_EQ(over.over_s, 200);
  EXPECT_FALSE(meter.AdmitUpload(tenant_.id).ok());
}

TEST_P(SpeechMeterTest, BonusMinutesRaiseTheLimitAndAreDrawnOnlyBeyondTheAllowance) {
  ASSERT_TRUE(*db_->GrantBonus({tenant_.id, "referral_bonus", 600, {}}));
  SpeechMeter meter = Meter();
  Record(1800);
  SpeechUsage at_allowance = Usage(meter);
  EXPECT_EQ(*at_allowance.limit_s, 2400) << "30 minutes and 10 of bonus";
  EXPECT_EQ(at_allowance.bonus_left_s, 600);
  EXPECT_TRUE(meter.AdmitUpload(tenant_.id).ok());
  Record(900);  // 600 from bonus, 300 over
  SpeechUsage spent = Usage(meter);
  EXPECT_EQ(spent.bonus_left_s, 0);
  EXPECT_EQ(*spent.limit_s, 2400) << "the bonus drawn today still counts today";
  EXPECT_EQ(spent.over_s, 300);
  EXPECT_FALSE(meter.AdmitUpload(tenant_.id).ok());
  clock_.Advance(kTokyoMidnight - clock_.seconds());
  EXPECT_EQ(*Usage(meter).limit_s, 1800) << "the bonus is spent";
}

TEST_P(SpeechMeterTest, PremiumIsUnlimitedUntilItsPeriodEndsUnpaid) {
  Subscription s;
  s.tenant_id = tenant_.id;
  s.plan_id = "premium_monthly";
  s.status = "active";
  s.current_period_end = AddSeconds(clock_.Now(), 3600);
  ASSERT_TRUE(db_->PutSubscription(s).ok());
  SpeechMeter meter = Meter();
  Record(5000);
  SpeechUsage premium = Usage(meter);
  EXPECT_EQ(premium.entitlement.plan->id, "premium_monthly");
  EXPECT_FALSE(premium.limit_s.has_value());
  EXPECT_EQ(premium.over_s, 0) << "nothing is over on an unlimited plan";
  EXPECT_TRUE(meter.AdmitUpload(tenant_.id).ok());
  clock_.Advance(3600);
  SpeechUsage lapsed = Usage(meter);
  EXPECT_EQ(lapsed.entitlement.state, "lapsed");
  EXPECT_EQ(*lapsed.limit_s, 1800);
  EXPECT_EQ(meter.AdmitUpload(tenant_.id).reason(), "quota_exceeded") << "today's 83 minutes are over the free plan's 30";
}

TEST_P(SpeechMeterTest, WithoutEnforcementSpeechIsCountedAndNeverRefused) {
  SpeechMeter meter = Meter(/*enforce=*/false);
  Record(5000);
  SpeechUsage usage = Usage(meter);
  EXPECT_FALSE(usage.enforced);
  EXPECT_EQ(usage.used_s, 5000);
  EXPECT_FALSE(usage.limit_s.has_value());
  EXPECT_TRUE(meter.AdmitUpload(tenant_.id).ok());
}

TEST_P(SpeechMeterTest, ChargingTwiceChargesOnceAndCountsOnce) {
  SpeechMeter meter = Meter();
  Record(2000);
  ASSERT_TRUE(meter.ChargeFinished(tenant_.id).ok());
  ASSERT_TRUE(meter.ChargeFinished(tenant_.id).ok());
  EXPECT_EQ(Usage(meter).used_s, 2000);
  std::string text = metrics_.Serialize();
  EXPECT_NE(text.find("reflexio_billing_speech_seconds_total{part=\"within\",plan=\"free\"} 1800"), std::string::npos)
      << text;
  EXPECT_NE(text.find("reflexio_billing_speech_seconds_total{part=\"over\",plan=\"free\"} 200"), std::string::npos);
}

}  // namespace
}  // namespace reflexio
