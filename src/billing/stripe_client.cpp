#include "billing/stripe_client.h"

#include <nlohmann/json.hpp>

namespace reflexio {

using nlohmann::json;

namespace {

// Stripe's error body: {"error": {"type", "code"?, "message"}}. The message of a refused key
// quotes part of it, so only the type and code are kept.
std::string StripeError(const HttpResponse& response) {
  json body = json::parse(response.body, nullptr, false);
  std::string what = "Stripe answered " + std::to_string(response.status);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return what;
  const json& error = body["error"];
  auto text = [&](const char* key) {
    auto found = error.find(key);
    return found != error.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  std::string type = text("type"), code = text("code");
  if (!type.empty()) what += " " + type;
  if (!code.empty()) what += " (" + code + ")";
  return what;
}

}  // namespace

Result<StripeBalance> StripeClient::GetBalance() {
  if (config_.secret_key.empty()) return InvalidArgument("no Stripe secret key (STRIPE_SECRET_KEY)", "invalid_config");
  HttpRequest request{.method = "GET", .url = config_.api_url + "/v1/balance", .timeout_s = config_.timeout_s};
  request.headers.emplace_back("Authorization", "Bearer " + config_.secret_key);
  auto response = http_.Send(request);
  if (!response.ok()) {
    return Unavailable("GET /v1/balance: Stripe cannot be reached at " + config_.api_url + ": " +
                           response.status().message(),
                       "stripe_unreachable");
  }
  if (response->status == 401 || response->status == 403) {
    return Status(ErrorCode::kUnauthenticated, "stripe_key_refused", "GET /v1/balance: " + StripeError(*response));
  }
  if (response->status != 200) return Unavailable("GET /v1/balance: " + StripeError(*response), "stripe_unavailable");
  json body = json::parse(response->body, nullptr, false);
  if (!body.is_object() || body.value("object", "") != "balance" || !body["available"].is_array()) {
    return Internal("GET /v1/balance: the answer is not a Stripe balance object", "stripe_bad_answer");
  }
  StripeBalance balance;
  balance.livemode = body.value("livemode", false);
  for (const json& funds : body["available"]) {
    if (funds.is_object() && funds["currency"].is_string() && funds["amount"].is_number_integer()) {
      balance.available[funds["currency"].get<std::string>()] += funds["amount"].get<int64_t>();
    }
  }
  return balance;
}

}  // namespace reflexio
