#include "billing/testing/stripe_peer.h"

#include <cstdlib>

namespace reflexio::testing {

using nlohmann::json;

namespace {

PeerResponse StripeError(int status, const std::string& type, const std::string& message, const std::string& code = "",
                         const std::string& param = "") {
  json error = {{"type", type}, {"message", message}};
  if (!code.empty()) error["code"] = code;
  if (!param.empty()) error["param"] = param;
  return {status, json{{"error", error}}.dump()};
}

PeerResponse Missing(const std::string& what, const std::string& id, const std::string& param = "") {
  return StripeError(404, "invalid_request_error", "No such " + what + ": '" + id + "'", "resource_missing", param);
}

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::strtol(text.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> form;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    std::string pair = body.substr(start, end - start);
    size_t eq = pair.find('=');
    if (eq != std::string::npos) form[PercentDecode(pair.substr(0, eq))] = PercentDecode(pair.substr(eq + 1));
    start = end + 1;
  }
  return form;
}

// metadata[key]=value fields under `prefix` ("metadata", "subscription_data[metadata]").
std::map<std::string, std::string> Metadata(const std::map<std::string, std::string>& form, const std::string& prefix) {
  std::map<std::string, std::string> metadata;
  for (const auto& [name, value] : form) {
    if (name.rfind(prefix + "[", 0) == 0 && name.back() == ']') {
      metadata[name.substr(prefix.size() + 1, name.size() - prefix.size() - 2)] = value;
    }
  }
  return metadata;
}

std::string Field(const std::map<std::string, std::string>& form, const std::string& name) {
  auto found = form.find(name);
  return found == form.end() ? "" : found->second;
}

}  // namespace

StripePeer::StripePeer(std::string secret_key, std::map<std::string, int> prices, const Clock& clock)
    : secret_key_(std::move(secret_key)),
      prices_(std::move(prices)),
      clock_(clock),
      server_(std::make_unique<LocalHttpPeer>([this](const PeerRequest& r) { return Handle(r); })) {}

std::string StripePeer::NextId(const std::string& prefix) { return prefix + "_test" + std::to_string(++next_id_); }

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
  if (request.method == "POST" && request.Header("content-type") != "application/x-www-form-urlencoded") {
    return StripeError(400, "invalid_request_error", "Invalid request: bodies must be form-encoded");
  }
  MutexLock lock(mutex_);
  std::string idempotency_key = request.method == "POST" ? request.Header("idempotency-key") : "";
  std::string fingerprint = request.method + " " + path + " " + request.body;
  if (!idempotency_key.empty()) {
    auto seen = idempotent_.find(idempotency_key);
    if (seen != idempotent_.end() && seen->second.first != fingerprint) {
      return StripeError(400, "idempotency_error",
                         "Keys for idempotent requests can only be used with the same parameters they were first used "
                         "with. Try using a key other than '" + idempotency_key + "' if you meant to execute a different "
                         "request.");
    }
    if (seen != idempotent_.end()) return seen->second.second;
  }
  PeerResponse response = Route(request.method, path, ParseForm(request.body));
  if (!idempotency_key.empty() && response.status < 500) idempotent_[idempotency_key] = {fingerprint, response};
  return response;
}

PeerResponse StripePeer::Route(const std::string& method, const std::string& path,
                               const std::map<std::string, std::string>& form) {
  if (method == "POST" && path == "/v1/customers") {
    std::string id = NextId("cus");
    customers_[id] = Metadata(form, "metadata");
    return {200, json{{"id", id}, {"object", "customer"}, {"created", static_cast<int64_t>(Now())},
                      {"email", nullptr}, {"livemode", false}, {"metadata", customers_[id]}}
                     .dump()};
  }
  if (method == "POST" && path == "/v1/checkout/sessions") {
    if (Field(form, "mode") != "subscription") {
      return StripeError(400, "invalid_request_error", "Invalid mode", "parameter_invalid_string", "mode");
    }
    std::string price = Field(form, "line_items[0][price]");
    if (!prices_.count(price)) return Missing("price", price, "line_items[0][price]");
    std::string customer = Field(form, "customer");
    if (!customer.empty() && !customers_.count(customer)) return Missing("customer", customer, "customer");
    for (const char* required : {"success_url", "cancel_url"}) {
      if (Field(form, required).empty()) {
        return StripeError(400, "invalid_request_error", std::string("Missing required param: ") + required + ".",
                           "parameter_missing", required);
      }
    }
    std::string id = NextId("cs");
    json session = {{"id", id},
                    {"object", "checkout.session"},
                    {"mode", "subscription"},
                    {"status", "open"},
                    {"payment_status", "unpaid"},
                    {"customer", customer.empty() ? json(nullptr) : json(customer)},
                    {"client_reference_id", Field(form, "client_reference_id")},
                    {"metadata", Metadata(form, "metadata")},
                    {"subscription", nullptr},
                    {"success_url", Field(form, "success_url")},
                    {"cancel_url", Field(form, "cancel_url")},
                    {"url", "https://checkout.stripe.com/c/pay/" + id},
                    {"livemode", false}};
    sessions_[id] = session;
    session_forms_[id] = form;
    last_session_ = id;
    return {200, session.dump()};
  }
  if (method == "POST" && path == "/v1/billing_portal/sessions") {
    std::string customer = Field(form, "customer");
    if (!customers_.count(customer)) return Missing("customer", customer, "customer");
    std::string id = NextId("bps");
    return {200, json{{"id", id}, {"object", "billing_portal.session"}, {"customer", customer},
                      {"return_url", Field(form, "return_url")}, {"url", "https://billing.stripe.com/p/session/" + id},
                      {"livemode", false}}
                     .dump()};
  }
  const std::string kSubscriptions = "/v1/subscriptions/";
  if (method == "GET" && path.rfind(kSubscriptions, 0) == 0) {
    std::string id = path.substr(kSubscriptions.size());
    if (!subscriptions_.count(id)) return Missing("subscription", id);
    return {200, SubscriptionJson(id).dump()};
  }
  return StripeError(404, "invalid_request_error",
                     "Unrecognized request URL (" + method + ": " + path + "). Please see https://stripe.com/docs");
}

json StripePeer::SubscriptionJson(const std::string& id) const {
  const Sub& s = subscriptions_.at(id);
  json item = {{"id", "si_" + id},
               {"object", "subscription_item"},
               {"price", {{"id", s.price}, {"object", "price"}, {"recurring", {{"interval", prices_.at(s.price) > 31 ? "year" : "month"}}}}},
               {"quantity", 1},
               {"current_period_start", static_cast<int64_t>(s.period_start)},
               {"current_period_end", static_cast<int64_t>(s.period_end)}};
  return {{"id", id},
          {"object", "subscription"},
          {"customer", s.customer},
          {"status", s.status},
          {"cancel_at_period_end", s.cancel_at_period_end},
          {"items", {{"object", "list"}, {"data", json::array({item})}}},
          {"metadata", s.metadata},
          {"livemode", false}};
}

json StripePeer::InvoiceJson(const std::string& subscription_id, const std::string& status) {
  const Sub& s = subscriptions_.at(subscription_id);
  return {{"id", NextId("in")},
          {"object", "invoice"},
          {"customer", s.customer},
          {"status", status},
          {"billing_reason", "subscription_cycle"},
          {"parent",
           {{"type", "subscription_details"},
            {"subscription_details", {{"subscription", subscription_id}, {"metadata", s.metadata}}}}},
          {"period_start", static_cast<int64_t>(s.period_start)},
          {"period_end", static_cast<int64_t>(s.period_end)},
          {"livemode", false}};
}

std::string StripePeer::Event(const std::string& type, const json& object) {
  return json{{"id", NextId("evt")},
              {"object", "event"},
              {"api_version", "2025-03-31.basil"},
              {"created", static_cast<int64_t>(Now())},
              {"type", type},
              {"livemode", false},
              {"pending_webhooks", 1},
              {"request", {{"id", nullptr}, {"idempotency_key", nullptr}}},
              {"data", {{"object", object}}}}
      .dump();
}

std::map<std::string, std::string> StripePeer::last_checkout() const {
  MutexLock lock(mutex_);
  if (last_session_.empty()) return {};
  auto form = session_forms_.at(last_session_);
  form["id"] = last_session_;
  return form;
}

int StripePeer::customers_created() const {
  MutexLock lock(mutex_);
  return static_cast<int>(customers_.size());
}

int StripePeer::checkout_sessions_created() const {
  MutexLock lock(mutex_);
  return static_cast<int>(sessions_.size());
}

std::string StripePeer::CompleteCheckout(const std::string& session_id) {
  MutexLock lock(mutex_);
  json& session = sessions_.at(session_id);
  const auto& form = session_forms_.at(session_id);
  std::string id = NextId("sub");
  Sub s;
  s.customer = session["customer"].is_string() ? session["customer"].get<std::string>() : NextId("cus");
  s.price = Field(form, "line_items[0][price]");
  s.period_start = Now();
  s.period_end = Now() + prices_.at(s.price) * 86400.0;
  s.metadata = Metadata(form, "subscription_data[metadata]");
  subscriptions_[id] = s;
  session["status"] = "complete";
  session["payment_status"] = "paid";
  session["subscription"] = id;
  return Event("checkout.session.completed", session);
}

std::string StripePeer::PayRenewal(const std::string& subscription_id) {
  MutexLock lock(mutex_);
  Sub& s = subscriptions_.at(subscription_id);
  double length = s.period_end - s.period_start;
  s.period_start = s.period_end;
  s.period_end += length;
  s.status = "active";
  return Event("invoice.paid", InvoiceJson(subscription_id, "paid"));
}

std::string StripePeer::FailRenewal(const std::string& subscription_id) {
  MutexLock lock(mutex_);
  Sub& s = subscriptions_.at(subscription_id);
  double length = s.period_end - s.period_start;  // Stripe moves to the next period and waits for payment
  s.period_start = s.period_end;
  s.period_end += length;
  s.status = "past_due";
  return Event("invoice.payment_failed", InvoiceJson(subscription_id, "open"));
}

std::string StripePeer::CancelAtPeriodEnd(const std::string& subscription_id) {
  MutexLock lock(mutex_);
  subscriptions_.at(subscription_id).cancel_at_period_end = true;
  return Event("customer.subscription.updated", SubscriptionJson(subscription_id));
}

std::string StripePeer::ChangePrice(const std::string& subscription_id, const std::string& price) {
  MutexLock lock(mutex_);
  subscriptions_.at(subscription_id).price = price;
  return Event("customer.subscription.updated", SubscriptionJson(subscription_id));
}

std::string StripePeer::DeleteSubscription(const std::string& subscription_id) {
  MutexLock lock(mutex_);
  subscriptions_.at(subscription_id).status = "canceled";
  return Event("customer.subscription.deleted", SubscriptionJson(subscription_id));
}

json StripePeer::Subscription(const std::string& subscription_id) const {
  MutexLock lock(mutex_);
  return SubscriptionJson(subscription_id);
}

}  // namespace reflexio::testing
