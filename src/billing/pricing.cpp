#include "billing/pricing.h"

#include <cmath>
#include <set>

#include "core/check.h"
#include "core/file_util.h"
#include "core/strings.h"

namespace reflexio {

using nlohmann::json;

namespace {

Status Bad(const std::string& where, const std::string& what) {
  return InvalidArgument(where + " " + what, "invalid_pricing");
}

Status CheckKnownFields(const json& object, const std::string& where, const std::set<std::string>& known) {
  if (!object.is_object()) return Bad(where, "must be an object");
  for (const auto& [name, value] : object.items()) {
    if (!known.count(name)) return Bad(where, "has an unknown field '" + name + "'");
  }
  return Status::Ok();
}

Result<std::string> TextField(const json& object, const std::string& where, const std::string& name, bool required) {
  auto found = object.find(name);
  if (found == object.end() || found->is_null()) {
    if (required) return Bad(where, "needs '" + name + "'");
    return std::string();
  }
  if (!found->is_string()) return Bad(where + "." + name, "must be text");
  return found->get<std::string>();
}

Result<int> PositiveWhole(const json& object, const std::string& where, const std::string& name, int fallback) {
  auto found = object.find(name);
  if (found == object.end()) return fallback;
  if (!found->is_number_integer() || found->get<int64_t>() < 1 || found->get<int64_t>() > 1000000) {
    return Bad(where + "." + name, "must be a whole number from 1 to 1000000");
  }
  return found->get<int>();
}

bool IsPlanId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Result<Plan> ParsePlan(const json& item, const std::string& where) {
  RETURN_IF_ERROR(CheckKnownFields(item, where, {"id", "name", "price", "interval", "daily_speech_minutes",
                                                 "stripe_price_id", "features"}));
  Plan plan;
  ASSIGN_OR_RETURN(plan.id, TextField(item, where, "id", true));
  if (!IsPlanId(plan.id)) return Bad(where + ".id", "must be 1 to 64 of a-z, 0-9 and _");
  std::string at = where + " (" + plan.id + ")";
  ASSIGN_OR_RETURN(plan.name, TextField(item, at, "name", true));
  const json& price = item.contains("price") ? item["price"] : json();
  double cents = price.is_number() ? price.get<double>() * 100 : -1;
  if (cents < 0 || cents > 1e9 || std::abs(cents - std::round(cents)) > 1e-6) {
    return Bad(at + ".price", "must be an amount of at least 0 with at most two decimals");
  }
  plan.price_cents = static_cast<int64_t>(std::llround(cents));
  ASSIGN_OR_RETURN(plan.interval, TextField(item, at, "interval", false));
  if (plan.is_free() != plan.interval.empty()) {
    return Bad(at + ".interval", plan.is_free() ? "must be null for a plan that costs nothing"
                                                : "must be month or year for a paid plan");
  }
  if (!plan.is_free() && plan.interval != "month" && plan.interval != "year") {
    return Bad(at + ".interval", "must be month or year");
  }
  if (auto minutes = item.find("daily_speech_minutes"); minutes != item.end() && !minutes->is_null()) {
    // Fractions are allowed (a test plan of a few seconds); a day holds at most 1440 minutes.
    if (!minutes->is_number() || !(minutes->get<double>() > 0) || minutes->get<double>() > 1440) {
      return Bad(at + ".daily_speech_minutes", "must be a number of minutes above 0 and at most 1440, or null for unlimited");
    }
    plan.daily_speech_minutes = minutes->get<double>();
  }
  ASSIGN_OR_RETURN(plan.stripe_price_id, TextField(item, at, "stripe_price_id", false));
  if (plan.is_free() && !plan.stripe_price_id.empty()) return Bad(at + ".stripe_price_id", "is for paid plans only");
  for (const json& feature : item.value("features", json::array())) {
    if (!feature.is_string()) return Bad(at + ".features", "must be a list of text");
    plan.features.push_back(feature.get<std::string>());
  }
  return plan;
}

}  // namespace

const Plan& Pricing::FreePlan() const {
  for (const Plan& plan : plans) {
    if (plan.is_free()) return plan;
  }
  REFLEXIO_CHECK(false, "a parsed Pricing always has a free plan");
  return plans.front();
}

const Plan* Pricing::Find(std::string_view id) const {
  for (const Plan& plan : plans) {
    if (plan.id == id) return &plan;
  }
  return nullptr;
}

Result<Pricing> ParsePricing(std::string_view json_text, bool stripe_configured) {
  json document = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Bad("the document", "is not JSON");
  RETURN_IF_ERROR(CheckKnownFields(document, "the document", {"version", "currency", "plans", "referrals"}));
  Pricing pricing;
  ASSIGN_OR_RETURN(pricing.version, TextField(document, "the document", "version", true));
  ASSIGN_OR_RETURN(pricing.currency, TextField(document, "the document", "currency", true));
  if (pricing.currency.size() != 3 || AsciiLower(pricing.currency) != pricing.currency) {
    return Bad("currency", "must be a three-letter ISO 4217 code in lower case, e.g. usd");
  }
  if (!document.contains("plans") || !document["plans"].is_array() || document["plans"].empty()) {
    return Bad("plans", "must be a list of at least one plan");
  }
  std::set<std::string> ids;
  int free_plans = 0;
  for (size_t i = 0; i < document["plans"].size(); ++i) {
    ASSIGN_OR_RETURN(Plan plan, ParsePlan(document["plans"][i], "plans[" + std::to_string(i) + "]"));
    if (!ids.insert(plan.id).second) return Bad("plans", "name '" + plan.id + "' twice");
    if (plan.is_free()) ++free_plans;
    if (stripe_configured && !plan.is_free() && plan.stripe_price_id.rfind("price_", 0) != 0) {
      return Bad("plans (" + plan.id + ").stripe_price_id",
                 "must be the plan's Stripe price id (price_…) when STRIPE_SECRET_KEY is set");
    }
    pricing.plans.push_back(std::move(plan));
  }
  if (free_plans != 1) return Bad("plans", "must hold exactly one plan that costs nothing (the plan new people start on)");
  if (document.contains("referrals")) {
    const json& referrals = document["referrals"];
    RETURN_IF_ERROR(CheckKnownFields(referrals, "referrals",
                                     {"invites_required", "bonus_minutes", "qualifying_speech_minutes"}));
    ASSIGN_OR_RETURN(pricing.referrals.invites_required, PositiveWhole(referrals, "referrals", "invites_required", 3));
    ASSIGN_OR_RETURN(pricing.referrals.bonus_minutes, PositiveWhole(referrals, "referrals", "bonus_minutes", 100));
    ASSIGN_OR_RETURN(pricing.referrals.qualifying_speech_minutes,
                     PositiveWhole(referrals, "referrals", "qualifying_speech_minutes", 5));
  }
  return pricing;
}

Result<Pricing> LoadPricing(const Config& config) {
  bool stripe = !config.stripe.secret_key.empty();
  if (config.pricing_file.empty()) {
    auto pricing = ParsePricing(DefaultPricingText(), stripe);
    if (!pricing.ok()) {
      return pricing.status().WithContext("the built-in pricing (set REFLEXIO_PRICING_FILE to one with your Stripe price ids)");
    }
    return pricing;
  }
  auto text = ReadWholeFile(config.pricing_file);
  if (!text.ok()) return text.status().WithContext("REFLEXIO_PRICING_FILE " + config.pricing_file);
  auto pricing = ParsePricing(*text, stripe);
  if (!pricing.ok()) return pricing.status().WithContext(config.pricing_file);
  return pricing;
}

json PricingJson(const Pricing& pricing) {
  json plans = json::array();
  for (const Plan& plan : pricing.plans) {
    plans.push_back({{"id", plan.id},
                     {"name", plan.name},
                     {"price_cents", plan.price_cents},
                     {"interval", plan.interval.empty() ? json(nullptr) : json(plan.interval)},
                     {"daily_speech_minutes", plan.daily_speech_minutes ? json(*plan.daily_speech_minutes) : json(nullptr)},
                     {"features", plan.features}});
  }
  return {{"version", pricing.version},
          {"currency", pricing.currency},
          {"plans", plans},
          {"referrals",
           {{"invites_required", pricing.referrals.invites_required},
            {"bonus_minutes", pricing.referrals.bonus_minutes},
            {"qualifying_speech_minutes", pricing.referrals.qualifying_speech_minutes}}}};
}

}  // namespace reflexio
