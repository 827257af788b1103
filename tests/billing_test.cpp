// Billing as a person and an operator meet it so far: the plans on offer, a pricing file that is
// wrong stopping the server before it serves anything, and the day's speech allowance.
#include <gtest/gtest.h>

#include <fstream>

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

// The free plan allows 0.1 minute (6 s) a day here; LJ001-0001.wav holds 9.7 s of speech. The
// server's zone is UTC+14, so its day is not UTC's.
TEST(Billing, AtTheDaysAllowanceAnUploadIsRefusedWith402AndNothingIsStored) {
  TempDir dir;
  std::string pricing = dir / "pricing.json";
  std::ofstream(pricing) << R"({"version": "test", "currency": "usd", "plans": [
      {"id": "free", "name": "Free", "price": 0, "daily_speech_minutes": 0.1},
      {"id": "premium_monthly", "name": "Premium", "price": 9.99, "interval": "month"}]})";
  const std::string zone = "Pacific/Kiritimati";
  ServerProcess server(dir / "data", {{"REFLEXIO_QUOTA", "true"}, {"REFLEXIO_PRICING_FILE", pricing},
                                      {"REFLEXIO_TIMEZONE", zone}});
  Client client(server.base_url(), server.first_run_key());
  std::string speech = ReadFileBytes((SpeechDir() / "LJ001-0001.wav").string());
  auto first = client.Upload(speech, "audio/wav", {{"Idempotency-Key", "first"}});
  ASSERT_EQ(first.status, 202) << first.body;
  ASSERT_EQ(client.WaitForRecording(json::parse(first.body)["id"])["status"], "transcribed");

  json usage = client.GetJson("/v1/billing/usage");
  TimePoint now = SystemClock::Instance().Now();
  std::string today = LocalDate(now, zone).value();
  std::string midnight = FormatRfc3339(LocalDay(today, zone)->end);
  if (LocalDate(SystemClock::Instance().Now(), zone).value() != today) GTEST_SKIP() << "the test ran across midnight";
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

}  // namespace
}  // namespace reflexio::testing
