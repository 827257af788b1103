// Billing as a person and an operator meet it so far: the plans on offer, and a pricing file
// that is wrong stopping the server before it serves anything.
#include <gtest/gtest.h>

#include <fstream>

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

}  // namespace
}  // namespace reflexio::testing
