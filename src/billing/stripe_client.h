// StripeClient: Reflexio's calls to the Stripe API — https://api.stripe.com, or STRIPE_API_URL for
// a local peer — authenticated with the secret key as a Bearer token, as Stripe documents. Today
// it makes the one read `reflexio check` needs to know the key works; subscriptions, Checkout and
// the billing portal join it with billing.
//
// Errors: kUnauthenticated (reason stripe_key_refused) when Stripe refuses the key, kUnavailable
// when Stripe cannot be reached or answers 5xx or 429, kInternal for an answer that is not
// Stripe's shape. No message holds the key. Thread-safe when the HttpClient is.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/config.h"
#include "core/http_client.h"

namespace reflexio {

// The account's balance (GET /v1/balance): what is available, by currency, in the smallest unit.
struct StripeBalance {
  bool livemode = false;  // false: a test-mode key
  std::map<std::string, int64_t> available;
};

class StripeClient {
 public:
  StripeClient(HttpClient& http, StripeConfig config) : http_(http), config_(std::move(config)) {}

  Result<StripeBalance> GetBalance();

 private:
  HttpClient& http_;
  StripeConfig config_;
};

}  // namespace reflexio
