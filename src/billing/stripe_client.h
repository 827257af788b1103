// StripeClient: Reflexio's calls to the Stripe API — https://api.stripe.com, or STRIPE_API_URL for
// a local peer — authenticated with the secret key as a Bearer token, with form-encoded bodies and
// an Idempotency-Key on every create, as Stripe documents. It reads the balance (`reflexio check`),
// makes customers, subscription Checkout Sessions and billing-portal sessions, and reads a
// subscription as Stripe has it now (what a webhook is reconciled with).
//
// Errors: kUnauthenticated (reason stripe_key_refused) when Stripe refuses the key, kNotFound
// (stripe_not_found) for an object Stripe does not have (resource_missing), kUnavailable when
// Stripe cannot be reached or answers 5xx, 429 or a 404 for a URL it has not, kInternal for a request Stripe refuses otherwise (stripe_request_refused)
// or an answer that is not Stripe's shape (stripe_bad_answer). No message holds the key.
// Thread-safe when the HttpClient is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/http_client.h"
#include "core/time.h"

namespace reflexio {

// The account's balance (GET /v1/balance): what is available, by currency, in the smallest unit.
struct StripeBalance {
  bool livemode = false;  // false: a test-mode key
  std::map<std::string, int64_t> available;
};

// A subscription as Stripe has it (GET /v1/subscriptions/{id}).
struct StripeSubscription {
  std::string id;
  std::string customer;
  std::string status;    // active, trialing, past_due, canceled, unpaid, incomplete, …
  std::string price_id;  // of its first item
  std::optional<TimePoint> current_period_end;
  bool cancel_at_period_end = false;
  std::map<std::string, std::string> metadata;
};

struct CheckoutRequest {
  std::string tenant_id;  // client_reference_id, and metadata of the session and the subscription
  std::string plan_id;
  std::string price_id;
  std::string customer;
  std::string success_url;
  std::string cancel_url;
  std::string idempotency_key;
};

// A page Stripe hosts: a Checkout Session or a billing-portal session.
struct StripeRedirect {
  std::string id;
  std::string url;
};

// A text field of a Stripe object (an answer, an error, an event): "" when absent or not text.
std::string StripeText(const nlohmann::json& object, const char* key);

class StripeClient {
 public:
  StripeClient(HttpClient& http, StripeConfig config) : http_(http), config_(std::move(config)) {}

  Result<StripeBalance> GetBalance();
  // A customer for the tenant (metadata[tenant_id]); its id.
  Result<std::string> CreateCustomer(const std::string& tenant_id, const std::string& idempotency_key);
  Result<StripeRedirect> CreateCheckoutSession(const CheckoutRequest& request);
  Result<StripeRedirect> CreatePortalSession(const std::string& customer, const std::string& return_url,
                                             const std::string& idempotency_key);
  Result<StripeSubscription> GetSubscription(const std::string& id);

 private:
  using Form = std::vector<std::pair<std::string, std::string>>;
  // One call; its JSON answer when Stripe answered 200 with an object of `object_type`.
  Result<nlohmann::json> Call(const std::string& method, const std::string& path, const Form& form,
                              const std::string& idempotency_key, const std::string& object_type);
  HttpClient& http_;
  StripeConfig config_;
};

}  // namespace reflexio
