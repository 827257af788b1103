#include "billing/testing/stripe_peer.h"

#include <nlohmann/json.hpp>

namespace reflexio::testing {

using nlohmann::json;

namespace {

PeerResponse StripeError(int status, const std::string& type, const std::string& message) {
  return {status, json{{"error", {{"type", type}, {"message", message}}}}.dump()};
}

}  // namespace

StripePeer::StripePeer(std::string secret_key)
    : secret_key_(std::move(secret_key)),
      server_(std::make_unique<LocalHttpPeer>([this](const PeerRequest& r) { return Handle(r); })) {}

PeerResponse StripePeer::Handle(const PeerRequest& request) {
  ++requests_;
  if (down_) return StripeError(500, "api_error", "An unknown error occurred");
  std::string auth = request.Header("authorization");
  if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7) {
    return StripeError(401, "invalid_request_error",
                       "You did not provide an API key. You need to provide your API key in the Authorization header, "
                       "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
  }
  std::string key = auth.substr(7);
  if (key != secret_key_) {
    std::string last_four = key.size() > 4 ? key.substr(key.size() - 4) : key;
    return StripeError(401, "invalid_request_error", "Invalid API Key provided: sk_test_****" + last_four);
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  if (request.method == "GET" && path == "/v1/balance") {
    json funds = {{"amount", 12345}, {"currency", "usd"}, {"source_types", {{"card", 12345}}}};
    return {200, json{{"object", "balance"},
                      {"available", json::array({funds})},
                      {"connect_reserved", json::array({{{"amount", 0}, {"currency", "usd"}}})},
                      {"livemode", key.rfind("sk_live_", 0) == 0},
                      {"pending", json::array({{{"amount", 0}, {"currency", "usd"}, {"source_types", {{"card", 0}}}}})}}
                     .dump()};
  }
  return StripeError(404, "invalid_request_error",
                     "Unrecognized request URL (" + request.method + ": " + path + "). Please see https://stripe.com/docs");
}

}  // namespace reflexio::testing
