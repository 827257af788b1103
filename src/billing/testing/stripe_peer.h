// A local HTTP peer speaking the part of the Stripe API that StripeClient uses, for tests only:
// `GET /v1/balance` behind `Authorization: Bearer <secret key>`, with Stripe's object shapes and
// error bodies ({"error": {"type", "message"}}: 401 for a missing or wrong key — its message
// quoting the key's last four characters, as Stripe's does —, 404 for an unknown URL). Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/testing/local_http_peer.h"

namespace reflexio::testing {

class StripePeer {
 public:
  explicit StripePeer(std::string secret_key);
  std::string api_url() const { return server_->base_url(); }  // for STRIPE_API_URL
  int requests() const { return requests_; }
  void SetDown(bool down) { down_ = down; }  // every request answers 500 api_error while down

 private:
  PeerResponse Handle(const PeerRequest& request);
  const std::string secret_key_;
  std::atomic<int> requests_{0};
  std::atomic<bool> down_{false};
  std::unique_ptr<LocalHttpPeer> server_;
};

}  // namespace reflexio::testing
