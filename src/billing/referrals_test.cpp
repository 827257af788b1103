// Referrals on both backends: a code per tenant, redemptions counted only after the new tenant
// spoke the qualifying minutes, the bonus granted exactly once — also when the counts land at once.
#include "billing/referrals.h"

#include <gtest/gtest.h>

#include <thread>

#include "billing/speech_meter.h"
#include "core/test_support.h"
#include "storage/testing/test_backend.h"

namespace reflexio {
namespace {

using testing::FakeClock;
using testing::TempDir;

class ReferralTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = testing::OpenTestBackend(GetParam(), dir_.path(), clock_, 8);
    db_ = backend_.db.get();
    referrer_ = db_->EnsureTenant("referrer").value();
    program_ = std::make_unique<ReferralProgram>(*db_, *db_, *db_, pricing_, clock_);
    meter_ = std::make_unique<SpeechMeter>(*db_, *db_, pricing_, SpeechMeter::Options{.enforce = true}, clock_, metrics_,
                                           program_.get());
  }
  Tenant NewTenant(const std::string& name) { return db_->EnsureTenant(name).value(); }
  void Speak(const Tenant& tenant, double seconds) {
    testing::AddTranscribedRecording(*db_, tenant.id, seconds, clock_.Now());
  }
  std::string ReasonOf(const Status& status) { return status.ok() ? "ok" : status.reason(); }
  int64_t AuditCount(const std::string& tenant_id, const std::string& action) {
    int64_t n = 0;
    auto page = db_->ListAudit(tenant_id, 100, "");
    for (const AuditEntry& e : page->items) n += e.action == action;
    return n;
  }

  TempDir dir_;
  FakeClock clock_;
  Metrics metrics_;
  Pricing pricing_ = ParsePricing(DefaultPricingText(), false).value();  // 3 invites, +100 min, after 5 min
  testing::TestBackend backend_;
  Database* db_ = nullptr;
  Tenant referrer_;
  std::unique_ptr<ReferralProgram> program_;
  std::unique_ptr<SpeechMeter> meter_;
};

INSTANTIATE_TEST_SUITE_P(Backends, ReferralTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(ReferralTest, ATenantHasOneCodeThatOthersRedeemInAnyCase) {
  std::string code = program_->CodeOf(referrer_.id).value();
  EXPECT_EQ(code.size(), 8u);
  EXPECT_EQ(program_->CodeOf(referrer_.id).value(), code) << "one code, kept";
  EXPECT_NE(program_->CodeOf(NewTenant("other").id).value(), code);
  Tenant friend_ = NewTenant("friend");
  std::string typed = code;
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(ReasonOf(program_->Redeem(friend_.id, typed.substr(0, 4) + "-" + typed.substr(4))), "ok");
  EXPECT_EQ(db_->GetRedemption(friend_.id).value()->referrer_id, referrer_.id);
  EXPECT_EQ(AuditCount(friend_.id, "referral_redeemed"), 1);
}

TEST_P(ReferralTest, UnknownOwnRepeatedAndLateRedemptionsAreRefused) {
  std::string code = program_->CodeOf(referrer_.id).value();
  EXPECT_EQ(ReasonOf(program_->Redeem(NewTenant("a").id, "NOSUCHCD")), "referral_code_not_found");
  EXPECT_EQ(ReasonOf(program_->Redeem(referrer_.id, code)), "own_referral_code");
  Tenant twice = NewTenant("twice");
  ASSERT_EQ(ReasonOf(program_->Redeem(twice.id, code)), "ok");
  EXPECT_EQ(ReasonOf(program_->Redeem(twice.id, code)), "already_redeemed");
  EXPECT_EQ(ReasonOf(program_->Redeem(twice.id, program_->CodeOf(NewTenant("b").id).value())), "already_redeemed");
  Tenant veteran = NewTenant("veteran");
  Speak(veteran, 400);
  ASSERT_TRUE(meter_->ChargeFinished(veteran.id).ok());
  EXPECT_EQ(ReasonOf(program_->Redeem(veteran.id, code)), "not_a_new_tenant");
  EXPECT_EQ(db_->GetReferralCounts(referrer_.id)->redeemed, 1);
}

TEST_P(ReferralTest, ARedemptionCountsOnlyAfterTheNewTenantSpokeFiveMinutes) {
  std::string code = program_->CodeOf(referrer_.id).value();
  Tenant quiet = NewTenant("quiet");
  ASSERT_TRUE(program_->Redeem(quiet.id, code).ok());
  Speak(quiet, 299);
  ASSERT_TRUE(meter_->ChargeFinished(quiet.id).ok());
  EXPECT_EQ(db_->GetReferralCounts(referrer_.id)->counted, 0) << "an empty sign-up earns nothing";
  Speak(quiet, 1);
  ASSERT_TRUE(meter_->ChargeFinished(quiet.id).ok());
  EXPECT_EQ(db_->GetReferralCounts(referrer_.id)->counted, 1);
  ReferralStatus status = program_->StatusOf(referrer_.id).value();
  EXPECT_EQ(status.counts.counted, 1);
  EXPECT_EQ(status.invites_required, 3);
  EXPECT_FALSE(status.bonus_applied);
}

TEST_P(ReferralTest, ThreeCountsLandingAtOnceGrantTheBonusExactlyOnce) {
  std::string code = program_->CodeOf(referrer_.id).value();
  std::vector<Tenant> friends;
  for (int i = 0; i < 4; ++i) {
    friends.push_back(NewTenant("friend-" + std::to_string(i)));
    ASSERT_TRUE(program_->Redeem(friends.back().id, code).ok());
    Speak(friends.back(), 300);
  }
  std::vector<std::thread> threads;
  for (const Tenant& f : friends) {
    threads.emplace_back([this, f] { EXPECT_TRUE(meter_->ChargeFinished(f.id).ok()); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(db_->GetReferralCounts(referrer_.id)->counted, 4);
  BonusBalance bonus = db_->GetBonusBalance(referrer_.id).value();
  EXPECT_EQ(bonus.granted_s, 100 * 60) << "one bonus, however many counts raced";
  EXPECT_EQ(AuditCount(referrer_.id, "referral_bonus"), 1);
  EXPECT_TRUE(program_->StatusOf(referrer_.id)->bonus_applied);
  SpeechUsage usage = meter_->Usage(referrer_.id).value();
  EXPECT_EQ(usage.bonus_left_s, 6000);
  EXPECT_EQ(*usage.limit_s, 1800 + 6000) << "the bonus raises the referrer's day";
}

}  // namespace
}  // namespace reflexio
