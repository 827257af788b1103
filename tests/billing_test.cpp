// Billing as a person and an operator meet it: the plans on offer, a pricing file that is wrong
// stopping the server before it serves anything, the day's speech allowance, and paying for more
// through Stripe (a local peer speaking Stripe's API; events signed by Stripe's own library).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "billing/testing/stripe_peer.h"
#include "billing/testing/stripe_signer.h"
#include "core/local_time.h"
#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

TEST(Billing, ThePlansAreShownToAnyoneWithoutAKey) {
  TempDir dir;
  ServerProcess server(dir / "data");
  auto answer = Client(server.base_url(), "").Get("/v1/billing/plans");
  ASSERT_EQ(answer.status, 200) << answer.body;
  json plans = json::parse(answer.body);
  ASSERT_EQ(plans["plans"].size(), 3u);
  EXPECT_EQ(plans["plans"][0]["id"], "free");
  EXPECT_EQ(plans["plans"][0]["daily_speech_minutes"], 30);
  EXPECT_EQ(plans["plans"][1]["price_cents"], 999);
  EXPECT_TRUE(plans["plans"][1]["daily_speech_minutes"].is_null());
  EXPECT_EQ(plans["referrals"]["invites_required"], 3);
}

TEST(Billing, AWrongPricingFileStopsTheStartAndSaysWhatIsWrong) {
  TempDir dir;
  std::string pricing = dir / "pricing.json";
  std::ofstream(pricing) << R"({"version": "x", "currency": "usd", "plans": [
      {"id": "free", "name": "Free", "price": 0, "daily_speech_minutes": 30},
      {"id": "pro", "name": "Pro", "price": 9.999, "interval": "month"}]})";
  std::string out, err;
  int status = RunReflexio({"serve", "--port", "0", "--data-dir", dir / "data"}, &out, &err,
                           {{"REFLEXIO_PRICING_FILE", pricing}});
  EXPECT_EQ(status, 1) << err;
  EXPECT_NE(err.find(pricing + ": plans[1] (pro).price must be an amount of at least 0 with at most two decimals"),
            std::string::npos) << err;
  EXPECT_EQ(err.find("listening on"), std::string::npos) << "nothing was served";
}

// A fixed-offset zone, never UTC, whose clock shows about noon now: its midnight is hours away
// from any test, whenever it runs. (Etc/GMT-N is UTC+N, by the tz database's sign.)
std::string ZoneAtNoon() {
  int utc_hour = static_cast<int>(std::fmod(ToUnixSeconds(SystemClock::Instance().Now()) / 3600, 24));
  int offset = 12 - utc_hour;  // -11 … +12
  if (offset == 0) offset = 1;
  return offset > 0 ? "Etc/GMT-" + std::to_string(offset) : "Etc/GMT+" + std::to_string(-offset);
}

// The free plan allows 0.1 minute (6 s) a day here; LJ001-0001.wav holds 9.7 s of speech. The
// server's zone is not UTC, so its day is not UTC's.
TEST(Billing, AtTheDaysAllowanceAnUploadIsRefusedWith402AndNothingIsStored) {
  TempDir dir;
  std::string pricing = dir / "pricing.json";
  std::ofstream(pricing) << R"({"version": "test", "currency": "usd", "plans": [
      {"id": "free", "name": "Free", "price": 0, "daily_speech_minutes": 0.1},
      {"id": "premium_monthly", "name": "Premium", "price": 9.99, "interval": "month"}]})";
  const std::string zone = ZoneAtNoon();
  ServerProcess server(dir / "data", {{"REFLEXIO_QUOTA", "true"}, {"REFLEXIO_PRICING_FILE", pricing},
                                      {"REFLEXIO_TIMEZONE", zone}});
  Client client(server.base_url(), server.first_run_key());
  std::string speech = ReadFileBytes((SpeechDir() / "LJ001-0001.wav").string());
  std::string today = LocalDate(SystemClock::Instance().Now(), zone).value();
  auto first = client.Upload(speech, "audio/wav", {{"Idempotency-Key", "first"}});
  ASSERT_EQ(first.status, 202) << first.body;
  ASSERT_EQ(client.WaitForRecording(json::parse(first.body)["id"])["status"], "transcribed");

  json usage = client.GetJson("/v1/billing/usage");
  std::string midnight = FormatRfc3339(LocalDay(today, zone)->end);
  EXPECT_EQ(usage["day"], today);
  EXPECT_EQ(usage["time_zone"], zone);
  EXPECT_EQ(usage["plan"], "free");
  EXPECT_EQ(usage["quota_enforced"], true);
  EXPECT_GT(usage["used_minutes"].get<double>(), 0.1) << usage.dump();
  EXPECT_EQ(usage["limit_minutes"], 0.1);
  EXPECT_EQ(usage["resets_at"], midnight);

  size_t audio_before = FilesUnder(dir / "data/audio");
  auto refused = client.Upload(ReadFileBytes((SpeechDir() / "LJ001-0002.wav").string()), "audio/wav");
  ASSERT_EQ(refused.status, 402) << refused.body;
  json error = json::parse(refused.body)["error"];
  EXPECT_EQ(error["code"], "quota_exceeded");
  EXPECT_NE(error["message"].get<std::string>().find("POST /v1/billing/checkout"), std::string::npos);
  EXPECT_EQ(error["details"]["limit_minutes"], 0.1);
  EXPECT_EQ(error["details"]["used_minutes"], usage["used_minutes"]);
  EXPECT_EQ(error["details"]["resets_at"], midnight);
  EXPECT_EQ(client.GetJson("/v1/recordings")["items"].size(), 1u) << "nothing was stored";
  EXPECT_EQ(FilesUnder(dir / "data/incoming"), 0u);
  EXPECT_EQ(FilesUnder(dir / "data/audio"), audio_before);

  auto replay = client.Upload(speech, "audio/wav", {{"Idempotency-Key", "first"}});
  EXPECT_EQ(replay.status, 202) << "a retry of what was stored is answered as before: " << replay.body;
  EXPECT_EQ(replay.Header("idempotent-replayed"), "true");
  EXPECT_NE(Client(server.base_url(), "").Get("/metrics/prometheus").body.find(
                "reflexio_billing_quota_refusals_total{plan=\"free\"} 1"),
            std::string::npos);
}

TEST(Billing, APersonalServerCountsSpeechButNeverLimitsIt) {
  TempDir dir;
  ServerProcess server(dir / "data");
  json usage = Client(server.base_url(), server.first_run_key()).GetJson("/v1/billing/usage");
  EXPECT_EQ(usage["quota_enforced"], false);
  EXPECT_EQ(usage["plan"], "free");
  EXPECT_TRUE(usage["limit_minutes"].is_null());
  EXPECT_EQ(usage["used_minutes"], 0);
}

const char* kPaidPricing = R"({"version": "test", "currency": "usd", "plans": [
    {"id": "free", "name": "Free", "price": 0, "daily_speech_minutes": 0.1},
    {"id": "premium_monthly", "name": "Premium", "price": 9.99, "interval": "month", "stripe_price_id": "price_month"}]})";
const std::string kWebhookSecret = "whsec_reflexio_test";

// A server whose free plan allows 6 s of speech a day, taking payments through a Stripe peer.
class PayingServer {
 public:
  PayingServer() : stripe_("sk_test_reflexio", {{"price_month", 30}}) {
    std::ofstream(dir_ / "pricing.json") << kPaidPricing;
    server_ = std::make_unique<ServerProcess>(
        dir_ / "data", std::map<std::string, std::string>{{"REFLEXIO_QUOTA", "true"},
                                                          {"REFLEXIO_PRICING_FILE", dir_ / "pricing.json"},
                                                          {"STRIPE_SECRET_KEY", "sk_test_reflexio"},
                                                          {"STRIPE_WEBHOOK_SECRET", kWebhookSecret},
                                                          {"STRIPE_API_URL", stripe_.api_url()},
                                                          {"REFLEXIO_PUBLIC_URL", "https://reflexio.example"},
                                                          {"REFLEXIO_SIGNUP", "open"}});
    client_ = std::make_unique<Client>(server_->base_url(), server_->first_run_key());
  }
  // From now on the client is a newcomer's, signed up with the first tenant's referral code.
  void SignUpWithAFriendsCode() {
    std::string code = client_->GetJson("/v1/referrals")["code"];
    auto account = Client(server_->base_url(), "").SendJson("POST", "/v1/signup", json{{"referral_code", code}}.dump());
    ASSERT_EQ(account.status, 201) << account.body;
    client_ = std::make_unique<Client>(server_->base_url(), json::parse(account.body)["api_key"]);
  }
  Client& client() { return *client_; }
  StripePeer& stripe() { return stripe_; }
  const ServerProcess& server() const { return *server_; }
  int Upload(const std::string& file) {
    auto answer = client_->Upload(ReadFileBytes((SpeechDir() / file).string()), "audio/wav");
    if (answer.status == 202) client_->WaitForRecording(json::parse(answer.body)["id"]);
    return static_cast<int>(answer.status);
  }
  // Delivers a Stripe event to the webhook as Stripe would, signed with `secret`.
  HttpResponse Deliver(const std::string& event, const std::string& secret = kWebhookSecret) {
    HttpRequest request;
    request.method = "POST";
    request.url = "/v1/billing/webhook";
    request.body = event;
    request.headers = {{"Content-Type", "application/json; charset=utf-8"},
                       {"Stripe-Signature", StripeSignatureHeader(secret, std::time(nullptr), event)}};
    return Client(server_->base_url(), "").Send(request);
  }

 private:
  TempDir dir_;
  StripePeer stripe_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST(Billing, ANewcomerOverTheFreeMinutesUpgradesThroughCheckoutRecordsOnAndIsFreeAgainWhenCanceled) {
  PayingServer paying;
  ASSERT_NO_FATAL_FAILURE(paying.SignUpWithAFriendsCode());
  Client& client = paying.client();
  ASSERT_EQ(paying.Upload("LJ001-0001.wav"), 202);
  ASSERT_EQ(paying.Upload("LJ001-0002.wav"), 402) << "the day's 6 s are used";

  auto checkout = client.SendJson("POST", "/v1/billing/checkout", R"({"plan": "premium_monthly"})");
  ASSERT_EQ(checkout.status, 200) << checkout.body;
  std::string url = json::parse(checkout.body)["url"];
  EXPECT_EQ(url.rfind("https://checkout.stripe.com/", 0), 0u) << url;
  auto session = paying.stripe().last_checkout();
  EXPECT_EQ(session["line_items[0][price]"], "price_month");
  EXPECT_EQ(session["success_url"], "https://reflexio.example/?checkout=success");
  EXPECT_FALSE(session["client_reference_id"].empty());
  EXPECT_EQ(session["subscription_data[metadata][tenant_id]"], session["client_reference_id"]);

  std::string paid = paying.stripe().CompleteCheckout(session["id"]);
  auto forged = paying.Deliver(paid, "whsec_not_stripes");
  EXPECT_EQ(forged.status, 400) << forged.body;
  EXPECT_EQ(json::parse(forged.body)["error"]["code"], "stripe_signature_mismatch");
  EXPECT_EQ(client.GetJson("/v1/billing/usage")["plan"], "free") << "a forged event changes nothing";
  auto applied = paying.Deliver(paid);
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(json::parse(applied.body)["result"], "applied");
  EXPECT_EQ(json::parse(paying.Deliver(paid).body)["result"], "replayed");

  json premium = client.GetJson("/v1/billing/usage");
  EXPECT_EQ(premium["plan"], "premium_monthly");
  EXPECT_EQ(premium["plan_state"], "active");
  EXPECT_TRUE(premium["limit_minutes"].is_null());
  EXPECT_EQ(paying.Upload("LJ001-0002.wav"), 202) << "premium records on";
  auto again = client.SendJson("POST", "/v1/billing/checkout", R"({"plan": "premium_monthly"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(json::parse(again.body)["error"]["code"], "already_subscribed");
  auto portal = client.SendJson("POST", "/v1/billing/portal", "");
  ASSERT_EQ(portal.status, 200) << portal.body;
  EXPECT_EQ(json::parse(portal.body)["url"].get<std::string>().rfind("https://billing.stripe.com/", 0), 0u);
  EXPECT_EQ(paying.stripe().customers_created(), 1) << "one customer, reused";

  std::string subscription = json::parse(paid)["data"]["object"]["subscription"];
  ASSERT_EQ(paying.Deliver(paying.stripe().CancelAtPeriodEnd(subscription)).status, 200);
  json canceling = client.GetJson("/v1/billing/usage");
  EXPECT_EQ(canceling["plan"], "premium_monthly") << "premium until the period's end";
  EXPECT_EQ(canceling["plan_state"], "canceling");
  EXPECT_FALSE(canceling["premium_until"].is_null());
  ASSERT_EQ(paying.Deliver(paying.stripe().DeleteSubscription(subscription)).status, 200);  // the period ended
  json canceled = client.GetJson("/v1/billing/usage");
  EXPECT_EQ(canceled["plan"], "free");
  EXPECT_EQ(canceled["plan_state"], "canceled");
  EXPECT_EQ(paying.Upload("LJ001-0003.wav"), 402) << "back on the free plan, whose minutes are used";
  json audit = client.GetJson("/v1/privacy/audit");
  int changes = 0;
  for (const json& entry : audit["items"]) changes += entry["action"] == "subscription_change";
  EXPECT_EQ(changes, 3) << "premium, canceling, canceled: " << audit.dump();
}

TEST(Billing, CheckoutRefusesWhatItCannotSell) {
  PayingServer paying;
  Client& client = paying.client();
  auto free = client.SendJson("POST", "/v1/billing/checkout", R"({"plan": "free"})");
  EXPECT_EQ(free.status, 400);
  EXPECT_EQ(json::parse(free.body)["error"]["code"], "unknown_plan");
  auto nameless = client.SendJson("POST", "/v1/billing/checkout", "{}");
  EXPECT_EQ(json::parse(nameless.body)["error"]["code"], "invalid_plan");
  auto javascript = client.SendJson("POST", "/v1/billing/checkout",
                                    R"json({"plan": "premium_monthly", "success_url": "javascript:alert(1)"})json");
  EXPECT_EQ(json::parse(javascript.body)["error"]["code"], "invalid_return_url");
  auto portal = client.SendJson("POST", "/v1/billing/portal", "");
  EXPECT_EQ(portal.status, 409) << "nothing to manage before a subscription";
  EXPECT_EQ(paying.stripe().checkout_sessions_created(), 0);

  HttpRequest retry;
  retry.method = "POST";
  retry.url = "/v1/billing/checkout";
  retry.body = R"({"plan": "premium_monthly"})";
  retry.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "click-1"}};
  auto first = client.Send(retry);
  auto second = client.Send(retry);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body)["id"], json::parse(second.body)["id"]) << "a retried click gets the same session";
  EXPECT_EQ(paying.stripe().checkout_sessions_created(), 1);
}

std::string LastLine(const std::string& text) {
  std::string trimmed = text.substr(0, text.find_last_not_of('\n') + 1);
  return trimmed.substr(trimmed.find_last_of('\n') + 1);
}

TEST(Billing, ANewTenantSignsUpWithAFriendsCodeAndTheOperatorSeesTheFigures) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_SIGNUP", "open"}});
  Client referrer(server.base_url(), server.first_run_key());
  Client anyone(server.base_url(), "");
  std::string code = referrer.GetJson("/v1/referrals")["code"];

  auto unknown = anyone.SendJson("POST", "/v1/signup", R"({"referral_code": "NOSUCH99"})");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(json::parse(unknown.body)["error"]["code"], "referral_code_not_found");
  auto signed_up = anyone.SendJson("POST", "/v1/signup", json{{"referral_code", code}}.dump());
  ASSERT_EQ(signed_up.status, 201) << signed_up.body;
  json account = json::parse(signed_up.body);
  Client newcomer(server.base_url(), account["api_key"]);
  EXPECT_EQ(newcomer.GetJson("/v1/billing/usage")["plan"], "free") << "the new key works";
  EXPECT_NE(account["referral_code"], code) << "and has its own code";
  auto again = newcomer.SendJson("POST", "/v1/referrals/redeem", json{{"code", code}}.dump());
  EXPECT_EQ(json::parse(again.body)["error"]["code"], "already_redeemed");
  auto own = referrer.SendJson("POST", "/v1/referrals/redeem", json{{"code", code}}.dump());
  EXPECT_EQ(json::parse(own.body)["error"]["code"], "own_referral_code");
  json progress = referrer.GetJson("/v1/referrals");
  EXPECT_EQ(progress["invites_redeemed"], 1);
  EXPECT_EQ(progress["invites_counted"], 0) << "not before the newcomer has spoken five minutes";
  EXPECT_EQ(progress["invites_required"], 3);
  EXPECT_EQ(progress["bonus_applied"], false);

  std::string out, err;
  ASSERT_EQ(server.RunCommand({"keys", "create", "--operator"}, &out, &err), 0) << err;
  Client operator_(server.base_url(), LastLine(out));
  json stats = operator_.GetJson("/v1/admin/billing/stats");
  EXPECT_EQ(stats["tenants_created"], 2) << "the first-run tenant and the newcomer; the refused sign-up left none";
  EXPECT_EQ(stats["referrals_redeemed"], 1);
  EXPECT_EQ(stats["referrals_counted"], 0);
  EXPECT_EQ(stats["converted"], 0);
  EXPECT_EQ(stats["conversion_rate"], 0.0);
  EXPECT_EQ(stats["referral_activation_rate"], 0.0);
  auto tenant_key = referrer.Get("/v1/admin/billing/stats");
  EXPECT_EQ(tenant_key.status, 403) << "a tenant's key is not the operator's";
  EXPECT_EQ(json::parse(tenant_key.body)["error"]["code"], "operator_key_required");
  EXPECT_EQ(anyone.Get("/v1/admin/billing/stats").status, 401);
  EXPECT_EQ(Client(server.base_url(), LastLine(out)).Get("/v1/recordings").status, 401)
      << "and an operator key reaches no tenant's data";
  EXPECT_NE(anyone.Get("/metrics/prometheus").body.find(
                "reflexio_billing_figures{figure=\"referrals_redeemed\",window=\"30d\"} 1"),
            std::string::npos);
}

TEST(Billing, APersonalServerTakesNoSignUps) {
  TempDir dir;
  ServerProcess server(dir / "data");
  auto closed = Client(server.base_url(), "").SendJson("POST", "/v1/signup", "{}");
  EXPECT_EQ(closed.status, 403);
  EXPECT_EQ(json::parse(closed.body)["error"]["code"], "signup_closed");
}

TEST(Billing, WithoutStripeCheckoutSaysPaymentsAreNotTakenHere) {
  TempDir dir;
  ServerProcess server(dir / "data");
  Client client(server.base_url(), server.first_run_key());
  auto checkout = client.SendJson("POST", "/v1/billing/checkout", R"({"plan": "premium_monthly"})");
  EXPECT_EQ(checkout.status, 503);
  EXPECT_EQ(json::parse(checkout.body)["error"]["code"], "billing_not_configured");
  auto event = Client(server.base_url(), "").SendJson("POST", "/v1/billing/webhook", "{}");
  EXPECT_EQ(event.status, 503);
}

}  // namespace
}  // namespace reflexio::testing
