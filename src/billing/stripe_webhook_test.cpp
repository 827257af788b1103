// Stripe's webhooks, end to end on both backends: a local Stripe peer holds the subscriptions and
// makes the events, Stripe's own npm library signs them, and the webhook reconciles what Stripe
// has — once per event, whatever the order.
#include "billing/stripe_webhook.h"

#include <gtest/gtest.h>

#include "billing/entitlement.h"
#include "billing/testing/stripe_peer.h"
#include "billing/testing/stripe_signer.h"
#include "core/test_support.h"
#include "storage/testing/test_backend.h"

namespace reflexio {
namespace {

using nlohmann::json;
using testing::FakeClock;
using testing::TempDir;

const std::string kSecret = "whsec_current";
const char* kPricing = R"({"version": "t", "currency": "usd", "plans": [
    {"id": "free", "name": "Free", "price": 0, "daily_speech_minutes": 30},
    {"id": "premium_monthly", "name": "Monthly", "price": 9.99, "interval": "month", "stripe_price_id": "price_month"},
    {"id": "premium_yearly", "name": "Yearly", "price": 99.99, "interval": "year", "stripe_price_id": "price_year"}]})";

class StripeWebhookTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = testing::OpenTestBackend(GetParam(), dir_.path(), clock_);
    db_ = backend_.db.get();
    tenant_ = db_->EnsureTenant("alice").value();
  }

  StripeWebhook Webhook(std::vector<std::string> secrets = {kSecret}) {
    return StripeWebhook(stripe_, *db_, pricing_, {.secrets = std::move(secrets), .grace_hours = 72}, clock_);
  }
  // What our Checkout makes, then the person paying: the checkout.session.completed event.
  std::string PaidCheckout(const std::string& price = "price_month") {
    auto customer = stripe_.CreateCustomer(tenant_.id, "customer-" + tenant_.id);
    EXPECT_TRUE(customer.ok()) << customer.status().ToString();
    auto session = stripe_.CreateCheckoutSession({tenant_.id, "premium_monthly", price, *customer, "https://r.example/ok",
                                                  "https://r.example/no", "checkout-1"});
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    std::string event = peer_.CompleteCheckout(session->id);
    subscription_id_ = json::parse(event)["data"]["object"]["subscription"];
    return event;
  }
  Result<WebhookOutcome> Deliver(StripeWebhook& webhook, const std::string& event, const std::string& secret = kSecret,
                                 double age_s = 0) {
    int64_t t = static_cast<int64_t>(clock_.seconds() - age_s);
    return webhook.Handle(event, testing::StripeSignatureHeader(secret, t, event));
  }
  std::string Applied(StripeWebhook& webhook, const std::string& event) {
    auto outcome = Deliver(webhook, event);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? outcome->result : outcome.status().reason();
  }
  Subscription Stored() {
    auto stored = db_->GetSubscription(tenant_.id);
    EXPECT_TRUE(stored.ok() && stored->has_value());
    return stored.ok() && stored->has_value() ? **stored : Subscription{};
  }
  Entitlement Now() { return EntitlementAt(*db_->GetSubscription(tenant_.id), pricing_, clock_.Now()); }
  size_t AuditEntries() { return db_->ListAudit(tenant_.id, 100, "")->items.size(); }

  TempDir dir_;
  FakeClock clock_;
  testing::StripePeer peer_{"sk_test_peer", {{"price_month", 30}, {"price_year", 365}}, clock_};
  CurlHttpClient http_;
  StripeClient stripe_{http_, {.secret_key = "sk_test_peer", .api_url = peer_.api_url(), .timeout_s = 5}};
  Pricing pricing_ = ParsePricing(kPricing, true).value();
  testing::TestBackend backend_;
  Database* db_ = nullptr;
  Tenant tenant_;
  std::string subscription_id_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StripeWebhookTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(StripeWebhookTest, ACompletedCheckoutMakesPremiumOnceAndAReplayChangesNothing) {
  StripeWebhook webhook = Webhook();
  std::string event = PaidCheckout();
  EXPECT_EQ(Applied(webhook, event), "applied");
  Subscription s = Stored();
  EXPECT_EQ(s.plan_id, "premium_monthly");
  EXPECT_EQ(s.status, "active");
  EXPECT_EQ(s.stripe_subscription, subscription_id_);
  EXPECT_EQ(ToUnixSeconds(*s.current_period_end), static_cast<int64_t>(clock_.seconds()) + 30 * 86400.0);
  EXPECT_EQ(Now().state, "active");
  ASSERT_EQ(AuditEntries(), 1u);
  AuditEntry entry = db_->ListAudit(tenant_.id, 1, "")->items[0];
  EXPECT_EQ(entry.actor, "stripe");
  EXPECT_EQ(entry.action, "subscription_change");
  EXPECT_EQ(json::parse(entry.detail)["to"]["plan"], "premium_monthly");

  clock_.Advance(60);
  EXPECT_EQ(Applied(webhook, event), "replayed");
  EXPECT_EQ(AuditEntries(), 1u) << "a replay is a no-op";
  EXPECT_EQ(ToUnixSeconds(Stored().synced_at), ToUnixSeconds(s.synced_at));
}

TEST_P(StripeWebhookTest, AnythingButStripesSignatureIsRefusedAndNothingIsStored) {
  StripeWebhook webhook = Webhook();
  std::string event = PaidCheckout();
  std::string good = testing::StripeSignatureHeader(kSecret, static_cast<int64_t>(clock_.seconds()), event);
  std::string forged = good;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(webhook.Handle(event, forged).status().reason(), "stripe_signature_mismatch");
  EXPECT_EQ(webhook.Handle(event, "").status().reason(), "stripe_signature_missing");
  EXPECT_EQ(Deliver(webhook, event, "whsec_someone_else").status().reason(), "stripe_signature_mismatch");
  EXPECT_EQ(Deliver(webhook, event, kSecret, 301).status().reason(), "stripe_signature_expired");
  EXPECT_EQ(webhook.Handle(event + " ", good).status().reason(), "stripe_signature_mismatch") << "the body is signed";
  EXPECT_EQ(webhook.Handle(event, good).status().code(), ErrorCode::kOk) << "while the same, signed, is taken";
  EXPECT_EQ(AuditEntries(), 1u);
  EXPECT_EQ(Deliver(webhook, "{\"not\": \"an event\"}").status().reason(), "bad_stripe_event");
}

TEST_P(StripeWebhookTest, DuringARotationEitherSecretIsAccepted) {
  StripeWebhook webhook = Webhook(WebhookSecrets({.webhook_secret = "whsec_new, whsec_old"}));
  std::string event = PaidCheckout();
  EXPECT_EQ(Deliver(webhook, event, "whsec_old")->result, "applied");
  EXPECT_EQ(Deliver(webhook, event, "whsec_new")->result, "replayed");
  EXPECT_EQ(Deliver(webhook, event, kSecret).status().reason(), "stripe_signature_mismatch");
}

TEST_P(StripeWebhookTest, EventsOutOfOrderLeaveWhatStripeHasNow) {
  StripeWebhook webhook = Webhook();
  std::string completed = PaidCheckout();
  std::string canceling = peer_.CancelAtPeriodEnd(subscription_id_);
  std::string yearly = peer_.ChangePrice(subscription_id_, "price_year");
  EXPECT_EQ(Applied(webhook, yearly), "applied");
  EXPECT_EQ(Applied(webhook, canceling), "applied");
  EXPECT_EQ(Applied(webhook, completed), "applied") << "the first event, last";
  Subscription s = Stored();
  EXPECT_EQ(s.plan_id, "premium_yearly") << "the plan change stands";
  EXPECT_TRUE(s.cancel_at_period_end) << "and so does the cancellation";
  EXPECT_EQ(Now().state, "canceling");
}

TEST_P(StripeWebhookTest, ARenewalMovesThePeriodsEnd) {
  StripeWebhook webhook = Webhook();
  Applied(webhook, PaidCheckout());
  double first_end = ToUnixSeconds(*Stored().current_period_end);
  clock_.Advance(30 * 86400.0 - 60);
  EXPECT_EQ(Applied(webhook, peer_.PayRenewal(subscription_id_)), "applied");
  EXPECT_EQ(ToUnixSeconds(*Stored().current_period_end), first_end + 30 * 86400.0);
  clock_.Advance(120);
  EXPECT_EQ(Now().state, "active") << "past the first period's end, paid";
}

TEST_P(StripeWebhookTest, AFailedPaymentKeepsPremiumThroughGraceThenLapsesUnlessPaid) {
  StripeWebhook webhook = Webhook();
  Applied(webhook, PaidCheckout());
  clock_.Advance(30 * 86400.0);
  TimePoint failed_at = clock_.Now();
  EXPECT_EQ(Applied(webhook, peer_.FailRenewal(subscription_id_)), "applied");
  EXPECT_EQ(Stored().status, "past_due");
  EXPECT_EQ(ToUnixSeconds(*Stored().grace_until), ToUnixSeconds(failed_at) + 72 * 3600.0);
  EXPECT_EQ(Now().state, "grace");
  EXPECT_EQ(Now().plan->id, "premium_monthly");
  clock_.Advance(24 * 3600);
  EXPECT_EQ(Applied(webhook, peer_.FailRenewal(subscription_id_)), "applied") << "Stripe's retry fails too";
  EXPECT_EQ(ToUnixSeconds(*Stored().grace_until), ToUnixSeconds(failed_at) + 72 * 3600.0) << "grace is not extended";
  clock_.Advance(48 * 3600);
  EXPECT_EQ(Now().state, "lapsed") << "no webhook needed: checked at use";
  EXPECT_EQ(Now().plan->id, "free");
  EXPECT_EQ(Applied(webhook, peer_.PayRenewal(subscription_id_)), "applied") << "the card works at last";
  EXPECT_EQ(Now().state, "active");
  EXPECT_FALSE(Stored().grace_until.has_value());
}

TEST_P(StripeWebhookTest, ACancellationAtPeriodEndEndsInTheFreePlan) {
  StripeWebhook webhook = Webhook();
  Applied(webhook, PaidCheckout());
  Applied(webhook, peer_.CancelAtPeriodEnd(subscription_id_));
  EXPECT_EQ(Now().state, "canceling");
  EXPECT_EQ(Now().plan->id, "premium_monthly");
  clock_.Advance(30 * 86400.0);
  EXPECT_EQ(Applied(webhook, peer_.DeleteSubscription(subscription_id_)), "applied");
  EXPECT_EQ(Stored().status, "canceled");
  EXPECT_EQ(Now().plan->id, "free");
  EXPECT_EQ(Now().state, "canceled");
  EXPECT_GE(AuditEntries(), 3u) << "created, canceling, canceled";
}

TEST_P(StripeWebhookTest, WhileStripeCannotBeReadTheEventIsRefusedSoThatStripeSendsItAgain) {
  StripeWebhook webhook = Webhook();
  std::string event = PaidCheckout();
  peer_.SetDown(true);
  auto refused = Deliver(webhook, event);
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnavailable) << refused.status().ToString();
  EXPECT_FALSE(db_->GetSubscription(tenant_.id)->has_value());
  peer_.SetDown(false);
  EXPECT_EQ(Applied(webhook, event), "applied") << "the retry is not taken for a replay";
}

TEST_P(StripeWebhookTest, EventsThatChangeNoSubscriptionAreAcknowledgedAndIgnored) {
  StripeWebhook webhook = Webhook();
  std::string event = R"({"id": "evt_x", "object": "event", "type": "customer.created", "created": )" +
                      std::to_string(static_cast<int64_t>(clock_.seconds())) +
                      R"(, "data": {"object": {"id": "cus_x", "object": "customer"}}})";
  EXPECT_EQ(Applied(webhook, event), "ignored");
  EXPECT_EQ(AuditEntries(), 0u);
}

}  // namespace
}  // namespace reflexio
