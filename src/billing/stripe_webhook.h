// StripeWebhook: what POST /v1/billing/webhook does with an event Stripe sends.
//
// The Stripe-Signature is verified first (stripe_signature.h; anything else is a 400 and nothing
// is stored). The events that change a subscription — checkout.session.completed, invoice.paid,
// invoice.payment_failed, customer.subscription.created/updated/deleted — are reconciled by
// reading the subscription as Stripe has it now (GET /v1/subscriptions/{id}) rather than trusting
// the event's copy, so events arriving late, out of order or twice still leave the state Stripe
// has. The tenant is the one our Checkout named (the subscription's metadata[tenant_id], or the
// session's client_reference_id); the plan is the pricing plan with the subscription's price.
// A past_due subscription keeps premium for the grace period from the failed payment's event.
// Each event id is recorded once with the change and its audit entry, in one transaction: a
// replay is a no-op. Events of other types, or naming no tenant of ours, are acknowledged and
// ignored. When Stripe cannot be read the call fails (503) so that Stripe retries.
//
// Thread-safe: it holds no state of its own beyond references to thread-safe parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "billing/pricing.h"
#include "billing/stripe_client.h"
#include "core/status.h"
#include "core/time.h"
#include "storage/billing_ledger.h"

namespace reflexio {

struct WebhookOutcome {
  std::string event_id;
  std::string type;
  std::string tenant_id;  // empty when ignored
  // applied | replayed | ignored
  std::string result;
};

class StripeWebhook {
 public:
  struct Options {
    std::vector<std::string> secrets;  // the endpoint's signing secrets (STRIPE_WEBHOOK_SECRET, comma-separated)
    double grace_hours = 72;
  };
  StripeWebhook(StripeClient& stripe, BillingLedger& ledger, const Pricing& pricing, Options options, const Clock& clock)
      : stripe_(stripe), ledger_(ledger), pricing_(pricing), options_(std::move(options)), clock_(clock) {}

  Result<WebhookOutcome> Handle(std::string_view payload, std::string_view signature_header);

 private:
  StripeClient& stripe_;
  BillingLedger& ledger_;
  const Pricing& pricing_;
  const Options options_;
  const Clock& clock_;
};

// STRIPE_WEBHOOK_SECRET split at commas, blanks dropped.
std::vector<std::string> WebhookSecrets(const StripeConfig& config);

}  // namespace reflexio
