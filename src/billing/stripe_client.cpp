#include "billing/stripe_client.h"

#include "core/strings.h"

namespace reflexio {

using nlohmann::json;

namespace {

// Stripe's error body: {"error": {"type", "code"?, "param"?, "message"}}. The message of a refused
// key quotes part of it, so only the type, code and param are kept.
std::string StripeError(const HttpResponse& response) {
  json body = json::parse(response.body, nullptr, false);
  std::string what = "Stripe answered " + std::to_string(response.status);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return what;
  const json& error = body["error"];
  std::string type = StripeText(error, "type"), code = StripeText(error, "code"), param = StripeText(error, "param");
  if (!type.empty()) what += " " + type;
  if (!code.empty()) what += " (" + code + ")";
  if (!param.empty()) what += " about " + param;
  return what;
}

std::optional<TimePoint> UnixTime(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return std::nullopt;
  return FromUnixSeconds(found->get<double>());
}

Result<StripeRedirect> Redirect(const json& object) {
  StripeRedirect redirect{StripeText(object, "id"), StripeText(object, "url")};
  if (redirect.id.empty() || redirect.url.empty()) return Internal("Stripe's session has no id or url", "stripe_bad_answer");
  return redirect;
}

}  // namespace

std::string StripeText(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

Result<json> StripeClient::Call(const std::string& method, const std::string& path, const Form& form,
                                const std::string& idempotency_key, const std::string& object_type) {
  std::string what = method + " " + path;
  if (config_.secret_key.empty()) return InvalidArgument("no Stripe secret key (STRIPE_SECRET_KEY)", "invalid_config");
  HttpRequest request{.method = method, .url = config_.api_url + path, .timeout_s = config_.timeout_s};
  request.headers.emplace_back("Authorization", "Bearer " + config_.secret_key);
  if (!idempotency_key.empty()) request.headers.emplace_back("Idempotency-Key", idempotency_key);
  if (method == "POST") {
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    for (const auto& [name, value] : form) {
      request.body += (request.body.empty() ? "" : "&") + PercentEncode(name) + "=" + PercentEncode(value);
    }
  }
  auto response = http_.Send(request);
  if (!response.ok()) {
    return Unavailable(what + ": Stripe cannot be reached at " + config_.api_url + ": " + response.status().message(),
                       "stripe_unreachable");
  }
  int status = static_cast<int>(response->status);
  if (status == 401 || status == 403) {
    return Status(ErrorCode::kUnauthenticated, "stripe_key_refused", what + ": " + StripeError(*response));
  }
  // A missing object is resource_missing; any other 404 means the URL is not Stripe's API.
  if (status == 404 && StripeError(*response).find("(resource_missing)") != std::string::npos) {
    return NotFound(what + ": " + StripeError(*response), "stripe_not_found");
  }
  if (status == 404) return Unavailable(what + ": " + StripeError(*response), "stripe_unavailable");
  if (status == 429 || status >= 500) return Unavailable(what + ": " + StripeError(*response), "stripe_unavailable");
  if (status != 200) return Internal(what + ": " + StripeError(*response), "stripe_request_refused");
  json body = json::parse(response->body, nullptr, false);
  if (!body.is_object() || StripeText(body, "object") != object_type) {
    return Internal(what + ": the answer is not a Stripe " + object_type + " object", "stripe_bad_answer");
  }
  return body;
}

Result<StripeBalance> StripeClient::GetBalance() {
  ASSIGN_OR_RETURN(json body, Call("GET", "/v1/balance", {}, "", "balance"));
  if (!body["available"].is_array()) return Internal("GET /v1/balance: the balance has no funds list", "stripe_bad_answer");
  StripeBalance balance;
  balance.livemode = body.value("livemode", false);
  for (const json& funds : body["available"]) {
    if (funds.is_object() && funds["currency"].is_string() && funds["amount"].is_number_integer()) {
      balance.available[funds["currency"].get<std::string>()] += funds["amount"].get<int64_t>();
    }
  }
  return balance;
}

Result<std::string> StripeClient::CreateCustomer(const std::string& tenant_id, const std::string& idempotency_key) {
  ASSIGN_OR_RETURN(json body, Call("POST", "/v1/customers", {{"metadata[tenant_id]", tenant_id}}, idempotency_key,
                                   "customer"));
  std::string id = StripeText(body, "id");
  if (id.empty()) return Internal("POST /v1/customers: the customer has no id", "stripe_bad_answer");
  return id;
}

Result<StripeRedirect> StripeClient::CreateCheckoutSession(const CheckoutRequest& r) {
  Form form = {{"mode", "subscription"},
               {"customer", r.customer},
               {"client_reference_id", r.tenant_id},
               {"line_items[0][price]", r.price_id},
               {"line_items[0][quantity]", "1"},
               {"success_url", r.success_url},
               {"cancel_url", r.cancel_url},
               {"metadata[tenant_id]", r.tenant_id},
               {"metadata[plan]", r.plan_id},
               {"subscription_data[metadata][tenant_id]", r.tenant_id},
               {"subscription_data[metadata][plan]", r.plan_id}};
  ASSIGN_OR_RETURN(json body, Call("POST", "/v1/checkout/sessions", form, r.idempotency_key, "checkout.session"));
  return Redirect(body);
}

Result<StripeRedirect> StripeClient::CreatePortalSession(const std::string& customer, const std::string& return_url,
                                                         const std::string& idempotency_key) {
  ASSIGN_OR_RETURN(json body, Call("POST", "/v1/billing_portal/sessions",
                                   {{"customer", customer}, {"return_url", return_url}}, idempotency_key,
                                   "billing_portal.session"));
  return Redirect(body);
}

Result<StripeSubscription> StripeClient::GetSubscription(const std::string& id) {
  ASSIGN_OR_RETURN(json body, Call("GET", "/v1/subscriptions/" + PercentEncode(id), {}, "", "subscription"));
  StripeSubscription s;
  s.id = StripeText(body, "id");
  s.customer = StripeText(body, "customer");
  s.status = StripeText(body, "status");
  s.cancel_at_period_end = body.value("cancel_at_period_end", false);
  s.current_period_end = UnixTime(body, "current_period_end");
  const json* items = body.contains("items") && body["items"].is_object() ? &body["items"] : nullptr;
  if (items != nullptr && items->contains("data") && (*items)["data"].is_array() && !(*items)["data"].empty()) {
    const json& item = (*items)["data"][0];
    if (item.is_object() && item.contains("price") && item["price"].is_object()) s.price_id = StripeText(item["price"], "id");
    // Since API version 2025-03-31 the period is on each item rather than the subscription.
    if (!s.current_period_end && item.is_object()) s.current_period_end = UnixTime(item, "current_period_end");
  }
  if (body.contains("metadata") && body["metadata"].is_object()) {
    for (const auto& [key, value] : body["metadata"].items()) {
      if (value.is_string()) s.metadata[key] = value.get<std::string>();
    }
  }
  if (s.id.empty() || s.status.empty()) return Internal("GET /v1/subscriptions: no id or status", "stripe_bad_answer");
  return s;
}

}  // namespace reflexio
