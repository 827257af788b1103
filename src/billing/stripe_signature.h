// Verifies the Stripe-Signature header of a webhook request exactly as Stripe documents it
// (https://docs.stripe.com/webhooks#verify-manually): the header is "t=<unix seconds>,v1=<hex>",
// with one v1 per signing secret while Stripe rotates one (and perhaps v0 and other schemes, which
// are ignored); the expected v1 is HMAC-SHA256 keyed with the endpoint's secret over
// "<t>.<the raw body>", compared in constant time; a timestamp further than `tolerance` from now,
// either way, is refused so that a captured request cannot be replayed later.
//
// Every refusal is kInvalidArgument (HTTP 400) with its reason: stripe_signature_missing,
// stripe_signature_malformed, stripe_signature_expired, stripe_signature_mismatch. Messages hold
// neither the secret nor the expected signature. Pure; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace reflexio {

inline constexpr std::chrono::seconds kStripeSignatureTolerance{300};

// `secrets`: the endpoint's signing secrets (whsec_…); more than one while we rotate ours.
Status VerifyStripeSignature(std::string_view payload, std::string_view header, const std::vector<std::string>& secrets,
                             TimePoint now, std::chrono::seconds tolerance = kStripeSignatureTolerance);

}  // namespace reflexio
