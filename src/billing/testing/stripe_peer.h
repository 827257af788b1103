// A local HTTP peer speaking the part of the Stripe API that StripeClient uses, for tests only.
// Requests need `Authorization: Bearer <secret key>`; bodies are form-encoded as Stripe's are;
// a create with an Idempotency-Key answers a retry with the first answer, and refuses the same key
// with other parameters (400 idempotency_error), as Stripe does. Objects have Stripe's shapes
// (API version 2025-03-31: a subscription's period is on its items, an invoice names its
// subscription under parent.subscription_details); errors are Stripe's bodies
// ({"error": {"type", "code"?, "param"?, "message"}}: 401 for a missing or wrong key — its message
// quoting the key's last four characters, as Stripe's does —, 404 resource_missing for an unknown
// object, 404 without a code for an unknown URL).
//
//   GET /v1/balance, POST /v1/customers, POST /v1/checkout/sessions (mode=subscription, one known
//   price), POST /v1/billing_portal/sessions, GET /v1/subscriptions/{id}
//
// What Stripe does on its own — a customer paying at Checkout, a renewal, a failed payment, a
// cancellation, a plan change — the test makes happen with the methods below, each returning the
// Event JSON Stripe would send (the test signs and delivers it). Times come from `clock`.
// Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mutex.h"
#include "core/testing/local_http_peer.h"
#include "core/time.h"

namespace reflexio::testing {

class StripePeer {
 public:
  // `prices`: the price ids Checkout accepts, each with its interval in days (30 or 365).
  explicit StripePeer(std::string secret_key, std::map<std::string, int> prices = {},
                      const Clock& clock = SystemClock::Instance());
  std::string api_url() const { return server_->base_url(); }  // for STRIPE_API_URL
  int requests() const { return requests_; }
  void SetDown(bool down) { down_ = down; }  // every request answers 500 api_error while down

  // The last Checkout Session created (its form fields as received, and its id); empty if none.
  std::map<std::string, std::string> last_checkout() const;
  int customers_created() const;
  int checkout_sessions_created() const;

  // Each returns the Event Stripe sends, as JSON text.
  std::string CompleteCheckout(const std::string& session_id);  // checkout.session.completed; the subscription starts
  std::string PayRenewal(const std::string& subscription_id);   // invoice.paid; the next period
  std::string FailRenewal(const std::string& subscription_id);  // invoice.payment_failed; past_due
  std::string CancelAtPeriodEnd(const std::string& subscription_id);  // customer.subscription.updated
  std::string ChangePrice(const std::string& subscription_id, const std::string& price);  // …updated
  std::string DeleteSubscription(const std::string& subscription_id);  // customer.subscription.deleted
  // The subscription as GET /v1/subscriptions/{id} shows it now.
  nlohmann::json Subscription(const std::string& subscription_id) const;

 private:
  PeerResponse Handle(const PeerRequest& request);
  PeerResponse Route(const std::string& method, const std::string& path, const std::map<std::string, std::string>& form)
      REQUIRES(mutex_);
  std::string Event(const std::string& type, const nlohmann::json& object) REQUIRES(mutex_);
  nlohmann::json SubscriptionJson(const std::string& id) const REQUIRES(mutex_);
  nlohmann::json InvoiceJson(const std::string& subscription_id, const std::string& status) REQUIRES(mutex_);
  std::string NextId(const std::string& prefix) REQUIRES(mutex_);
  double Now() const { return ToUnixSeconds(clock_.Now()); }

  struct Sub {
    std::string customer, status = "active", price;
    double period_start = 0, period_end = 0;
    bool cancel_at_period_end = false;
    std::map<std::string, std::string> metadata;
  };
  const std::string secret_key_;
  const std::map<std::string, int> prices_;
  const Clock& clock_;
  std::atomic<int> requests_{0};
  std::atomic<bool> down_{false};
  mutable Mutex mutex_;
  int next_id_ GUARDED_BY(mutex_) = 0;
  std::map<std::string, std::map<std::string, std::string>> customers_ GUARDED_BY(mutex_);  // id → metadata
  std::map<std::string, nlohmann::json> sessions_ GUARDED_BY(mutex_);
  std::map<std::string, std::map<std::string, std::string>> session_forms_ GUARDED_BY(mutex_);
  std::string last_session_ GUARDED_BY(mutex_);
  std::map<std::string, Sub> subscriptions_ GUARDED_BY(mutex_);
  // Idempotency-Key → the request it came with (method, path, body) and the answer given.
  std::map<std::string, std::pair<std::string, PeerResponse>> idempotent_ GUARDED_BY(mutex_);
  std::unique_ptr<LocalHttpPeer> server_;
};

}  // namespace reflexio::testing
