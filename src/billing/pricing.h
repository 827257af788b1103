// Plans and referral terms, from pricing.json: what each plan costs and how many minutes of
// speech a day it allows. The shipped default is src/billing/pricing.json, compiled in;
// REFLEXIO_PRICING_FILE replaces it. Loaded once when a server starts: an invalid file stops the
// start with one message naming the field, and with Stripe configured every paid plan needs its
// Stripe price id. Immutable once loaded; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace reflexio {

struct Plan {
  std::string id;                           // [a-z0-9_]+, e.g. free, premium_monthly
  std::string name;
  int64_t price_cents = 0;                  // per interval; 0 for the free plan
  std::string interval;                     // "" for the free plan, else month | year
  std::optional<double> daily_speech_minutes;  // of speech per local day; nullopt: unlimited
  std::string stripe_price_id;              // price_…; paid plans only
  std::vector<std::string> features;
  bool is_free() const { return price_cents == 0; }
};

struct ReferralTerms {
  int invites_required = 3;           // counted redemptions that earn the bonus
  int bonus_minutes = 100;            // earned once
  int qualifying_speech_minutes = 5;  // a new tenant's speech before its redemption counts
};

struct Pricing {
  std::string version;
  std::string currency;  // ISO 4217, lower case as Stripe writes it
  std::vector<Plan> plans;
  ReferralTerms referrals;

  const Plan& FreePlan() const;  // there is exactly one
  const Plan* Find(std::string_view id) const;
};

std::string_view DefaultPricingText();  // src/billing/pricing.json

// kInvalidArgument naming the field for anything but a valid pricing document.
Result<Pricing> ParsePricing(std::string_view json_text, bool stripe_configured);
// REFLEXIO_PRICING_FILE, or the default; errors begin with where the document came from.
Result<Pricing> LoadPricing(const Config& config);

// The plans as the API shows them (GET /v1/billing/plans); no Stripe ids.
nlohmann::json PricingJson(const Pricing& pricing);

}  // namespace reflexio
