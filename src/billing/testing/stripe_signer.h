// Stripe's own webhook signer, for tests: the Stripe-Signature header the official `stripe` npm
// library (webhooks.generateTestHeaderString, run by tests/peers/stripe-sign.mjs under node) makes
// for `payload` at unix time `t`. A failure to run it fails the calling test.
#pragma once

#include <cstdint>
#include <string>

namespace reflexio::testing {

std::string StripeSignatureHeader(const std::string& secret, int64_t t, const std::string& payload);

}  // namespace reflexio::testing
