#include "billing/pricing.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/test_support.h"

namespace reflexio {
namespace {

// The shipped document with `edit` applied to its JSON.
std::string Edited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json document = nlohmann::json::parse(DefaultPricingText());
  edit(document);
  return document.dump();
}

std::string ErrorOf(const std::string& text, bool stripe = false) {
  auto pricing = ParsePricing(text, stripe);
  return pricing.ok() ? "ok" : pricing.status().message();
}

TEST(Pricing, TheShippedPlansAreFreeWithThirtyMinutesAndTwoUnlimitedPremiums) {
  auto pricing = ParsePricing(DefaultPricingText(), /*stripe_configured=*/false);
  ASSERT_TRUE(pricing.ok()) << pricing.status().ToString();
  EXPECT_EQ(pricing->version, "2.1");
  EXPECT_EQ(pricing->FreePlan().id, "free");
  EXPECT_EQ(pricing->FreePlan().daily_speech_minutes, 30);
  const Plan* monthly = pricing->Find("premium_monthly");
  ASSERT_NE(monthly, nullptr);
  EXPECT_EQ(monthly->price_cents, 999);
  EXPECT_EQ(monthly->interval, "month");
  EXPECT_FALSE(monthly->daily_speech_minutes.has_value()) << "premium is unlimited";
  EXPECT_EQ(pricing->Find("premium_yearly")->price_cents, 9999);
  EXPECT_EQ(pricing->Find("gold"), nullptr);
  EXPECT_EQ(pricing->referrals.invites_required, 3);
  EXPECT_EQ(pricing->referrals.bonus_minutes, 100);
  EXPECT_EQ(pricing->referrals.qualifying_speech_minutes, 5);
  nlohmann::json shown = PricingJson(*pricing);
  EXPECT_EQ(shown["plans"][1]["price_cents"], 999);
  EXPECT_EQ(shown.dump().find("stripe_price_id"), std::string::npos);
}

TEST(Pricing, WithStripeEveryPaidPlanNeedsItsPriceId) {
  EXPECT_EQ(ErrorOf(std::string(DefaultPricingText()), /*stripe=*/true),
            "plans (premium_monthly).stripe_price_id must be the plan's Stripe price id (price_…) when "
            "STRIPE_SECRET_KEY is set");
  std::string with_ids = Edited([](nlohmann::json& d) {
    d["plans"][1]["stripe_price_id"] = "price_1Monthly";
    d["plans"][2]["stripe_price_id"] = "price_1Yearly";
  });
  EXPECT_EQ(ErrorOf(with_ids, /*stripe=*/true), "ok");
}

TEST(Pricing, EachMistakeIsNamed) {
  EXPECT_EQ(ErrorOf("{plans"), "the document is not JSON");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plan"] = 1; })), "the document has an unknown field 'plan'");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["currency"] = "USD"; })),
            "currency must be a three-letter ISO 4217 code in lower case, e.g. usd");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"] = nlohmann::json::array(); })), "plans must be a list of at least one plan");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][1]["price"] = 9.999; })),
            "plans[1] (premium_monthly).price must be an amount of at least 0 with at most two decimals");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][1]["price"] = -1; })),
            "plans[1] (premium_monthly).price must be an amount of at least 0 with at most two decimals");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][1]["interval"] = nullptr; })),
            "plans[1] (premium_monthly).interval must be month or year for a paid plan");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][1]["interval"] = "week"; })),
            "plans[1] (premium_monthly).interval must be month or year");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][0]["daily_speech_minutes"] = 0; })),
            "plans[0] (free).daily_speech_minutes must be a number of minutes above 0 and at most 1440, or null for unlimited");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][2]["id"] = "premium_monthly"; })), "plans name 'premium_monthly' twice");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][2]["id"] = "Premium Yearly"; })),
            "plans[2].id must be 1 to 64 of a-z, 0-9 and _");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][1]["price"] = 0; d["plans"][1]["interval"] = nullptr; })),
            "plans must hold exactly one plan that costs nothing (the plan new people start on)");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"].erase(0); })),
            "plans must hold exactly one plan that costs nothing (the plan new people start on)");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["plans"][0]["stripe_price_id"] = "price_x"; })),
            "plans[0] (free).stripe_price_id is for paid plans only");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["referrals"]["bonus_minutes"] = "100"; })),
            "referrals.bonus_minutes must be a whole number from 1 to 1000000");
  EXPECT_EQ(ErrorOf(Edited([](auto& d) { d["referrals"]["bonus"] = 1; })), "referrals has an unknown field 'bonus'");
}

TEST(Pricing, AFileReplacesTheShippedPlansAndAMissingOneIsNamed) {
  testing::TempDir dir;
  std::string path = dir / "pricing.json";
  std::ofstream(path) << Edited([](auto& d) { d["plans"][0]["daily_speech_minutes"] = 10; });
  Config config;
  config.pricing_file = path;
  auto pricing = LoadPricing(config);
  ASSERT_TRUE(pricing.ok()) << pricing.status().ToString();
  EXPECT_EQ(pricing->FreePlan().daily_speech_minutes, 10);
  config.pricing_file = dir / "nowhere.json";
  auto missing = LoadPricing(config);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("REFLEXIO_PRICING_FILE " + config.pricing_file), std::string::npos)
      << missing.status().message();
  std::ofstream(path) << Edited([](auto& d) { d["currency"] = 5; });
  config.pricing_file = path;
  auto bad = LoadPricing(config);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), path + ": the document.currency must be text");
}

}  // namespace
}  // namespace reflexio
