#include "billing/checkout.h"

#include "billing/entitlement.h"
#include "core/ids.h"
#include "core/strings.h"

namespace reflexio {

namespace {

bool IsHttpUrl(const std::string& url) {
  return (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) && url.size() > 8 && url.size() <= 2048;
}

}  // namespace

Status StripeCheckout::CheckConfigured() const {
  if (config_.secret_key.empty()) {
    return Unavailable("this server takes no payments: Stripe is not configured (STRIPE_SECRET_KEY)",
                       "billing_not_configured");
  }
  return Status::Ok();
}

Result<std::string> StripeCheckout::ReturnUrl(const std::optional<std::string>& given,
                                              const std::string& fallback_query) const {
  if (given) {
    if (!IsHttpUrl(*given)) return InvalidArgument("a return URL must be an http(s) URL", "invalid_return_url");
    return *given;
  }
  if (config_.public_url.empty()) {
    return InvalidArgument("name the page to return to (this server has no REFLEXIO_PUBLIC_URL)", "missing_return_url");
  }
  return WithoutTrailingSlashes(config_.public_url) + "/?" + fallback_query;
}

// The tenant's Stripe customer, made once: stored before anything is paid, so that a second
// Checkout (the first abandoned) reuses it.
Result<std::string> StripeCheckout::CustomerOf(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(auto stored, ledger_.GetSubscription(tenant_id));
  if (stored && !stored->stripe_customer.empty()) return stored->stripe_customer;
  ASSIGN_OR_RETURN(std::string customer, stripe_.CreateCustomer(tenant_id, "customer-" + tenant_id));
  if (!stored) {
    Subscription none;  // no plan, no status: free until a webhook says otherwise
    none.tenant_id = tenant_id;
    none.stripe_customer = customer;
    RETURN_IF_ERROR(ledger_.PutSubscription(none));
  }
  return customer;
}

Result<StripeRedirect> StripeCheckout::Checkout(const CheckoutOrder& order) {
  const Plan* plan = pricing_.Find(order.plan_id);
  if (plan == nullptr || plan->is_free()) {
    std::string paid;
    for (const Plan& p : pricing_.plans) {
      if (!p.is_free()) paid += (paid.empty() ? "" : ", ") + p.id;
    }
    return InvalidArgument("no paid plan '" + order.plan_id + "'; the paid plans are " + paid, "unknown_plan");
  }
  RETURN_IF_ERROR(CheckConfigured());
  ASSIGN_OR_RETURN(std::string success, ReturnUrl(order.success_url, "checkout=success"));
  ASSIGN_OR_RETURN(std::string cancel, ReturnUrl(order.cancel_url, "checkout=canceled"));
  ASSIGN_OR_RETURN(auto stored, ledger_.GetSubscription(order.tenant_id));
  Entitlement now = EntitlementAt(stored, pricing_, clock_.Now());
  if (!now.plan->is_free()) {
    return Status(ErrorCode::kConflict, "already_subscribed",
                  "you already have " + now.plan->id + "; change or cancel it in the billing portal (POST /v1/billing/portal)");
  }
  ASSIGN_OR_RETURN(std::string customer, CustomerOf(order.tenant_id));
  // Stripe answers a retry with the same key with the same session; without one, each is new.
  std::string key = order.idempotency_key ? "checkout-" + order.tenant_id + "-" + *order.idempotency_key : NewId();
  return stripe_.CreateCheckoutSession(
      {order.tenant_id, plan->id, plan->stripe_price_id, customer, success, cancel, key});
}

Result<StripeRedirect> StripeCheckout::Portal(const std::string& tenant_id, const std::optional<std::string>& return_url) {
  RETURN_IF_ERROR(CheckConfigured());
  ASSIGN_OR_RETURN(std::string back, ReturnUrl(return_url, "billing=portal"));
  ASSIGN_OR_RETURN(auto stored, ledger_.GetSubscription(tenant_id));
  if (!stored || stored->stripe_customer.empty()) {
    return Status(ErrorCode::kConflict, "no_subscription",
                  "there is nothing to manage yet: subscribe first (POST /v1/billing/checkout)");
  }
  return stripe_.CreatePortalSession(stored->stripe_customer, back, NewId());
}

}  // namespace reflexio
