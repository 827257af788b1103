// The BillingLedger contract, run against both backends: subscriptions, speech charged once per
// recording with the excess drawn from bonus minutes, and bonus grants made once.
#include <gtest/gtest.h>

#include <thread>

#include "core/test_support.h"
#include "storage/testing/test_backend.h"

namespace reflexio {
namespace {

using testing::FakeClock;
using testing::TempDir;

TEST(ApportionCharge, TheExcessOfTheDayIsDrawnFromBonusThenCountedOver) {
  SpeechCharge c;
  c.speech_s = 600;
  c.allowance_s = 1800;
  auto under = ApportionCharge(c, 600, 1000);
  EXPECT_EQ(under.bonus_s, 0);
  EXPECT_EQ(under.over_s, 0);
  auto exactly_at = ApportionCharge(c, 1200, 0);
  EXPECT_EQ(exactly_at.over_s, 0) << "ending exactly at the allowance is not over it";
  auto crossing = ApportionCharge(c, 1500, 100);  // 300 s beyond: 100 from bonus, 200 over
  EXPECT_EQ(crossing.bonus_s, 100);
  EXPECT_EQ(crossing.over_s, 200);
  auto already_over = ApportionCharge(c, 2000, 1000);  // all 600 s beyond, bonus covers them
  EXPECT_EQ(already_over.bonus_s, 600);
  EXPECT_EQ(already_over.over_s, 0);
  c.allowance_s.reset();
  auto unlimited = ApportionCharge(c, 1e6, 1000);
  EXPECT_EQ(unlimited.bonus_s + unlimited.over_s, 0) << "an unlimited plan draws nothing";
}

class BillingLedgerTest : public testing::TwoTenantBackendTest {
 protected:
  SpeechCharge Charge(const Tenant& tenant, const std::string& recording, double speech_s,
                      std::optional<double> allowance_s = 1800, const std::string& day = "2026-12-06") {
    auto charged = db_->ChargeSpeech({tenant.id, recording, day, speech_s, allowance_s, 0, 0, {}});
    EXPECT_TRUE(charged.ok()) << charged.status().ToString();
    return charged.ok() ? charged->charge : SpeechCharge{};
  }

  Recording Transcribed(const Tenant& tenant, double speech_s) {
    return testing::AddTranscribedRecording(*db_, tenant.id, speech_s, clock_.Now());
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, BillingLedgerTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(BillingLedgerTest, ARecordingIsChargedOnceToItsDayAndTenant) {
  auto first = Charge(alice_, "rec-1", 1200);
  EXPECT_EQ(first.day, "2026-12-06");
  EXPECT_EQ(first.over_s, 0);
  clock_.Advance(60);
  auto repeated = db_->ChargeSpeech({alice_.id, "rec-1", "2026-12-06", 9999, 1800, 0, 0, {}});
  EXPECT_FALSE(repeated->charged_now);
  auto again = repeated->charge;
  EXPECT_EQ(again.speech_s, 1200) << "the first charge stands";
  EXPECT_EQ(ToUnixSeconds(again.charged_at), ToUnixSeconds(first.charged_at));
  auto second = Charge(alice_, "rec-2", 900);  // 300 s beyond 1800, no bonus
  EXPECT_EQ(second.over_s, 300);
  auto day = db_->GetSpeechDay(alice_.id, "2026-12-06");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->speech_s, 2100);
  EXPECT_EQ(day->over_s, 300);
  EXPECT_EQ(db_->GetSpeechDay(alice_.id, "2026-12-07")->speech_s, 0) << "the next day starts empty";
  EXPECT_EQ(db_->GetSpeechDay(bob_.id, "2026-12-06")->speech_s, 0) << "bob's day is his own";
}

TEST_P(BillingLedgerTest, BonusIsGrantedOncePerReasonAndDrawnOnlyBeyondTheAllowance) {
  ASSERT_TRUE(*db_->GrantBonus({alice_.id, "referral_bonus", 6000, {}}));
  EXPECT_FALSE(*db_->GrantBonus({alice_.id, "referral_bonus", 6000, {}})) << "a reason is granted once";
  EXPECT_EQ(db_->GetBonusBalance(alice_.id)->granted_s, 6000);
  EXPECT_EQ(db_->GetBonusBalance(bob_.id)->granted_s, 0);

  Charge(alice_, "within", 1800);
  EXPECT_EQ(db_->GetBonusBalance(alice_.id)->drawn_s, 0) << "speech within the allowance draws no bonus";
  auto beyond = Charge(alice_, "beyond", 5000);
  EXPECT_EQ(beyond.bonus_s, 5000);
  auto last = Charge(alice_, "last", 3000);  // 1000 s of bonus left
  EXPECT_EQ(last.bonus_s, 1000);
  EXPECT_EQ(last.over_s, 2000);
  auto balance = db_->GetBonusBalance(alice_.id);
  EXPECT_EQ(balance->drawn_s, 6000);
  EXPECT_EQ(balance->left_s(), 0);
  auto premium = Charge(alice_, "premium", 4000, std::nullopt);
  EXPECT_EQ(premium.over_s + premium.bonus_s, 0) << "unlimited";
  EXPECT_FALSE(premium.allowance_s.has_value());
}

TEST_P(BillingLedgerTest, ConcurrentChargesNeverDrawMoreBonusThanGranted) {
  ASSERT_TRUE(*db_->GrantBonus({alice_.id, "referral_bonus", 500, {}}));
  Charge(alice_, "fills-the-day", 1800);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([this, i] { Charge(alice_, "rec-" + std::to_string(i), 100); });
  }
  for (auto& t : threads) t.join();
  auto day = db_->GetSpeechDay(alice_.id, "2026-12-06");
  EXPECT_EQ(day->bonus_s, 500) << "exactly the grant, drawn once";
  EXPECT_EQ(day->over_s, 300);
  EXPECT_EQ(db_->GetBonusBalance(alice_.id)->left_s(), 0);
}

TEST_P(BillingLedgerTest, UnchargedRecordingsAreTheRecentTranscribedOnesWithoutACharge) {
  Recording old = Transcribed(alice_, 10);
  clock_.Advance(3600);
  TimePoint since = clock_.Now();
  Recording charged = Transcribed(alice_, 20);
  Recording pending = Transcribed(alice_, 30);
  Transcribed(bob_, 40);
  Charge(alice_, charged.id, 20);
  auto uncharged = db_->ListUnchargedRecordings(alice_.id, since, 10);
  ASSERT_TRUE(uncharged.ok()) << uncharged.status().ToString();
  ASSERT_EQ(uncharged->size(), 1u) << "not the old one, not the charged one, not bob's";
  EXPECT_EQ((*uncharged)[0].id, pending.id);
  EXPECT_EQ((*uncharged)[0].speech_s, 30);
  EXPECT_EQ(db_->ListUnchargedRecordings(alice_.id, FromUnixSeconds(0), 10)->size(), 2u) << old.id;
}

TEST_P(BillingLedgerTest, ASubscriptionIsStoredWholeForItsTenantOnly) {
  EXPECT_FALSE(db_->GetSubscription(alice_.id)->has_value());
  Subscription s;
  s.tenant_id = alice_.id;
  s.plan_id = "premium_monthly";
  s.status = "active";
  s.stripe_customer = "cus_A";
  s.stripe_subscription = "sub_A";
  s.current_period_end = FromUnixSeconds(1798000000);
  s.cancel_at_period_end = true;
  s.synced_at = FromUnixSeconds(1795000000);
  ASSERT_TRUE(db_->PutSubscription(s).ok());
  s.status = "past_due";
  s.grace_until = FromUnixSeconds(1798259200);
  ASSERT_TRUE(db_->PutSubscription(s).ok()) << "a second put replaces the first";
  auto stored = db_->GetSubscription(alice_.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->plan_id, "premium_monthly");
  EXPECT_EQ((*stored)->status, "past_due");
  EXPECT_EQ((*stored)->stripe_customer, "cus_A");
  EXPECT_EQ((*stored)->stripe_subscription, "sub_A");
  EXPECT_EQ(ToUnixSeconds(*(*stored)->current_period_end), 1798000000);
  EXPECT_TRUE((*stored)->cancel_at_period_end);
  EXPECT_EQ(ToUnixSeconds(*(*stored)->grace_until), 1798259200);
  EXPECT_EQ(ToUnixSeconds((*stored)->synced_at), 1795000000);
  EXPECT_EQ(ToUnixSeconds((*stored)->updated_at), clock_.seconds());
  EXPECT_FALSE(db_->GetSubscription(bob_.id)->has_value());
}

// A scripted population, every figure checkable by hand: the window is [t0+1000 s, t0+2000 s).
TEST_P(BillingLedgerTest, ConversionFiguresCountWhatWasRecordedInTheWindow) {
  double t0 = clock_.seconds();  // alice and bob were created at t0, before the window
  auto at = [&](double offset) { clock_.Advance(t0 + offset - clock_.seconds()); return clock_.Now(); };
  auto subscription = [&](const Tenant& t, const std::string& status, double period_end, std::optional<double> grace) {
    Subscription s{t.id, "premium_monthly", status, "cus_" + t.name, "sub_" + t.name,
                   FromUnixSeconds(t0 + period_end), false, std::nullopt, clock_.Now(), {}};
    if (grace) s.grace_until = FromUnixSeconds(t0 + *grace);
    return s;
  };
  auto event = [&](const Tenant& t, const std::string& id, const std::string& type, double created) {
    return StripeEventRecord{t.id, id, type, FromUnixSeconds(t0 + created)};
  };
  at(1000);
  Tenant n1 = db_->EnsureTenant("n1").value(), n2 = db_->EnsureTenant("n2").value(), n3 = db_->EnsureTenant("n3").value();
  ASSERT_EQ(*db_->EnsureReferralCode(bob_.id, "BOBCODE1"), "BOBCODE1");
  ASSERT_TRUE(*db_->AddRedemption({n1.id, "BOBCODE1", bob_.id, {}, std::nullopt}));
  ASSERT_TRUE(*db_->AddRedemption({n3.id, "BOBCODE1", bob_.id, {}, std::nullopt}));
  at(1100);
  ASSERT_TRUE(*db_->CountRedemption(n1.id));
  ASSERT_TRUE(*db_->ApplyStripeEvent(event(n1, "evt_1", "checkout.session.completed", 1100),
                                     subscription(n1, "past_due", 1500, 2600), std::nullopt));
  at(1200);
  ASSERT_TRUE(*db_->GrantBonus({bob_.id, "referral_bonus", 6000, {}}));
  ASSERT_TRUE(*db_->GrantBonus({alice_.id, "apology", 600, {}}));
  at(1500);
  ASSERT_TRUE(*db_->ApplyStripeEvent(event(alice_, "evt_2", "checkout.session.completed", 1500),
                                     subscription(alice_, "active", 1e6, std::nullopt), std::nullopt));
  ASSERT_TRUE(*db_->ApplyStripeEvent(event(alice_, "evt_3", "invoice.paid", 1600),
                                     subscription(alice_, "active", 1e6, std::nullopt), std::nullopt));
  at(2500);
  Tenant late = db_->EnsureTenant("late").value();
  ASSERT_TRUE(*db_->AddRedemption({late.id, "BOBCODE1", bob_.id, {}, std::nullopt}));
  at(3000);
  ASSERT_TRUE(*db_->ApplyStripeEvent(event(n2, "evt_4", "checkout.session.completed", 3000),
                                     subscription(n2, "canceled", 5000, std::nullopt), std::nullopt));

  auto stats = db_->GetConversionStats(FromUnixSeconds(t0 + 1000), FromUnixSeconds(t0 + 2000), clock_.Now());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->tenants_created, 3) << "n1, n2, n3";
  EXPECT_EQ(stats->converted, 2) << "n1 in the window, n2 after it; not alice, created before";
  EXPECT_EQ(stats->premium_started, 2) << "n1 and alice; n2 started after the window";
  EXPECT_EQ(stats->paying_now, 1) << "alice; n1's grace ended, n2 canceled";
  EXPECT_EQ(stats->referrals_redeemed, 2) << "n1 and n3; late's came after the window";
  EXPECT_EQ(stats->referrals_counted, 1);
  EXPECT_EQ(stats->referral_bonuses, 1) << "bob's; an apology is not a referral bonus";
  auto empty = db_->GetConversionStats(FromUnixSeconds(t0 + 5000), FromUnixSeconds(t0 + 6000), clock_.Now());
  EXPECT_EQ(empty->tenants_created + empty->converted + empty->referrals_redeemed, 0);
}

TEST_P(BillingLedgerTest, ReferralCodesAreOnePerTenantAndUniqueAcrossTenants) {
  ASSERT_EQ(*db_->EnsureReferralCode(alice_.id, "ALICE001"), "ALICE001");
  EXPECT_EQ(*db_->EnsureReferralCode(alice_.id, "OTHER002"), "ALICE001") << "the first code stays";
  EXPECT_EQ(db_->EnsureReferralCode(bob_.id, "ALICE001").status().reason(), "referral_code_taken");
  EXPECT_EQ(**db_->ReferrerOfCode("ALICE001"), alice_.id);
  EXPECT_FALSE(db_->ReferrerOfCode("NOBODY00")->has_value());
  EXPECT_FALSE(db_->AddRedemption({alice_.id, "ALICE001", alice_.id, {}, std::nullopt}).ok()) << "never one's own";
  ASSERT_TRUE(*db_->AddRedemption({bob_.id, "ALICE001", alice_.id, {}, std::nullopt}));
  EXPECT_FALSE(*db_->AddRedemption({bob_.id, "ALICE001", alice_.id, {}, std::nullopt})) << "one per tenant";
  EXPECT_TRUE(*db_->CountRedemption(bob_.id));
  EXPECT_FALSE(*db_->CountRedemption(bob_.id)) << "counted once";
  ReferralCounts counts = *db_->GetReferralCounts(alice_.id);
  EXPECT_EQ(counts.redeemed, 1);
  EXPECT_EQ(counts.counted, 1);
}

}  // namespace
}  // namespace reflexio
