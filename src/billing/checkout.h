// StripeCheckout: how a person starts paying and manages what they pay — a subscription Checkout
// Session for a paid plan (the tenant's Stripe customer made once and reused; client_reference_id
// and metadata name the tenant, which is how the webhook finds it), and a billing-portal session
// for changing the card or plan or canceling. Stripe hosts both pages; this returns their URLs.
//
// Errors: kInvalidArgument for an unknown or free plan (unknown_plan) or a return URL that is not
// http(s) (invalid_return_url, missing_return_url without REFLEXIO_PUBLIC_URL), kConflict when
// the tenant already has premium (already_subscribed) or has no Stripe customer for the portal
// (no_subscription), kUnavailable when Stripe is not configured (billing_not_configured) or
// cannot be reached. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "billing/pricing.h"
#include "billing/stripe_client.h"
#include "core/config.h"
#include "storage/billing_ledger.h"

namespace reflexio {

struct CheckoutOrder {
  std::string tenant_id;
  std::string plan_id;
  std::optional<std::string> success_url, cancel_url;  // default: REFLEXIO_PUBLIC_URL/?checkout=…
  std::optional<std::string> idempotency_key;          // a retry with the same key gets the same session
};

class StripeCheckout {
 public:
  StripeCheckout(StripeClient& stripe, BillingLedger& ledger, const Pricing& pricing, const StripeConfig& config,
                 const Clock& clock)
      : stripe_(stripe), ledger_(ledger), pricing_(pricing), config_(config), clock_(clock) {}

  Result<StripeRedirect> Checkout(const CheckoutOrder& order);
  Result<StripeRedirect> Portal(const std::string& tenant_id, const std::optional<std::string>& return_url);

 private:
  Status CheckConfigured() const;
  Result<std::string> ReturnUrl(const std::optional<std::string>& given, const std::string& fallback_query) const;
  Result<std::string> CustomerOf(const std::string& tenant_id);

  StripeClient& stripe_;
  BillingLedger& ledger_;
  const Pricing& pricing_;
  const StripeConfig& config_;
  const Clock& clock_;
};

}  // namespace reflexio
