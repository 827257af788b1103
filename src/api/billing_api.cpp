// /v1/billing/…: the plans offered (billing/pricing.h) and the tenant's usage (billing/speech_meter.h).
#include "api/json_views.h"
#include "api/resources.h"
#include "model/json.h"

namespace reflexio {

using nlohmann::json;

namespace {

json Minutes(std::optional<double> seconds) { return seconds ? json(RoundedMinutes(*seconds)) : json(nullptr); }

}  // namespace

void BillingApi::Register(Router& router) {
  if (deps_.pricing == nullptr) return;
  router.Add("GET", "/v1/billing/plans", "The plans: price, interval, minutes of speech a day; the referral terms",
             [this](ServerRequest&) { return ServerResponse::Json(200, PricingJson(*deps_.pricing)); }, false);
  if (deps_.meter != nullptr) {
    router.Add("GET", "/v1/billing/usage", "Speech today against the plan's daily allowance, bonus minutes, when it resets",
               [this](ServerRequest& r) { return Usage(r); });
  }
  if (deps_.checkout != nullptr) {
    router.Add("POST", "/v1/billing/checkout", "A Stripe Checkout page to subscribe to a paid plan ({\"plan\"}; Idempotency-Key)",
               [this](ServerRequest& r) { return Checkout(r); });
    router.Add("POST", "/v1/billing/portal", "A Stripe billing-portal page to change the card or plan, or cancel",
               [this](ServerRequest& r) { return Portal(r); });
  }
  if (deps_.webhook != nullptr) {
    router.Add("POST", "/v1/billing/webhook", "Stripe's events (Stripe-Signature; no API key)",
               [this](ServerRequest& r) { return Webhook(r); }, false);
  }
}

namespace {

ServerResponse RedirectJson(const StripeRedirect& page) { return ServerResponse::Json(200, {{"id", page.id}, {"url", page.url}}); }

}  // namespace

Result<ServerResponse> BillingApi::Checkout(ServerRequest& request) {
  ASSIGN_OR_RETURN(json body, BodyObject(request));
  CheckoutOrder order;
  order.tenant_id = request.tenant->id;
  ASSIGN_OR_RETURN(auto plan, OptionalTextField(body, "plan"));
  if (!plan) return InvalidArgument("name the plan to subscribe to: {\"plan\": \"premium_monthly\"}", "invalid_plan");
  order.plan_id = *plan;
  ASSIGN_OR_RETURN(order.success_url, OptionalTextField(body, "success_url"));
  ASSIGN_OR_RETURN(order.cancel_url, OptionalTextField(body, "cancel_url"));
  if (auto key = request.headers.find("idempotency-key"); key != request.headers.end()) order.idempotency_key = key->second;
  ASSIGN_OR_RETURN(StripeRedirect page, deps_.checkout->Checkout(order));
  return RedirectJson(page);
}

Result<ServerResponse> BillingApi::Portal(ServerRequest& request) {
  ASSIGN_OR_RETURN(json body, BodyObject(request));
  ASSIGN_OR_RETURN(auto return_url, OptionalTextField(body, "return_url"));
  ASSIGN_OR_RETURN(StripeRedirect page, deps_.checkout->Portal(request.tenant->id, return_url));
  return RedirectJson(page);
}

Result<ServerResponse> BillingApi::Webhook(ServerRequest& request) {
  ASSIGN_OR_RETURN(WebhookOutcome outcome, deps_.webhook->Handle(request.body, request.Header("stripe-signature")));
  return ServerResponse::Json(200, {{"received", true}, {"event", outcome.event_id}, {"result", outcome.result}});
}

Result<ServerResponse> BillingApi::Usage(ServerRequest& request) {
  ASSIGN_OR_RETURN(SpeechUsage u, deps_.meter->Usage(request.tenant->id));
  return ServerResponse::Json(200, {{"day", u.day},
                                    {"time_zone", u.time_zone},
                                    {"plan", u.entitlement.plan->id},
                                    {"plan_state", u.entitlement.state},
                                    {"premium_until", u.entitlement.premium_until},
                                    {"quota_enforced", u.enforced},
                                    {"used_minutes", Minutes(u.used_s)},
                                    {"allowance_minutes", Minutes(u.allowance_s)},
                                    {"limit_minutes", Minutes(u.limit_s)},
                                    {"bonus_minutes_left", Minutes(u.bonus_left_s)},
                                    {"over_minutes", Minutes(u.over_s)},
                                    {"resets_at", FormatRfc3339(u.resets_at)}});
}

}  // namespace reflexio
