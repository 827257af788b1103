// /v1/billing/…: the plans offered (billing/pricing.h) and the tenant's usage (billing/speech_meter.h).
#include <cmath>

#include "api/resources.h"

namespace reflexio {

using nlohmann::json;

namespace {

json Minutes(std::optional<double> seconds) {
  return seconds ? json(std::round(*seconds / 60 * 100) / 100) : json(nullptr);
}

json Time(std::optional<TimePoint> t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

}  // namespace

void BillingApi::Register(Router& router) {
  if (deps_.pricing == nullptr) return;
  router.Add("GET", "/v1/billing/plans", "The plans: price, interval, minutes of speech a day; the referral terms",
             [this](ServerRequest&) { return ServerResponse::Json(200, PricingJson(*deps_.pricing)); }, false);
  if (deps_.meter == nullptr) return;
  router.Add("GET", "/v1/billing/usage", "Speech today against the plan's daily allowance, bonus minutes, when it resets",
             [this](ServerRequest& r) { return Usage(r); });
}

Result<ServerResponse> BillingApi::Usage(ServerRequest& request) {
  ASSIGN_OR_RETURN(SpeechUsage u, deps_.meter->Usage(request.tenant->id));
  return ServerResponse::Json(200, {{"day", u.day},
                                    {"time_zone", u.time_zone},
                                    {"plan", u.entitlement.plan->id},
                                    {"plan_state", u.entitlement.state},
                                    {"premium_until", Time(u.entitlement.premium_until)},
                                    {"quota_enforced", u.enforced},
                                    {"used_minutes", Minutes(u.used_s)},
                                    {"allowance_minutes", Minutes(u.allowance_s)},
                                    {"limit_minutes", Minutes(u.limit_s)},
                                    {"bonus_minutes_left", Minutes(u.bonus_left_s)},
                                    {"over_minutes", Minutes(u.over_s)},
                                    {"resets_at", FormatRfc3339(u.resets_at)}});
}

}  // namespace reflexio
