// reflexio_stripe_peer: the Stripe peer (stripe_peer.h) as a process, for the browser suites,
// which drive the real server from Node and need Stripe there too.
//
//   reflexio_stripe_peer SECRET_KEY PRICE_ID:DAYS...
//
// Prints one JSON line, {"api_url": …, "control_url": …}, and serves until its standard input
// closes. The control side makes happen what Stripe does on its own:
//   GET  /last-checkout             the last Checkout Session's form fields and its id ({} if none)
//   POST /checkout/{id}/complete    the customer pays: the checkout.session.completed Event
#include <charconv>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "billing/testing/stripe_peer.h"

using reflexio::testing::LocalHttpPeer;
using reflexio::testing::PeerRequest;
using reflexio::testing::PeerResponse;
using reflexio::testing::StripePeer;

namespace {

PeerResponse Control(StripePeer& stripe, const PeerRequest& request) {
  const std::string prefix = "/checkout/", suffix = "/complete";
  const std::string& target = request.target;
  if (request.method == "GET" && target == "/last-checkout") return {200, nlohmann::json(stripe.last_checkout()).dump()};
  if (request.method == "POST" && target.starts_with(prefix) && target.ends_with(suffix) &&
      target.size() > prefix.size() + suffix.size()) {
    std::string id = target.substr(prefix.size(), target.size() - prefix.size() - suffix.size());
    auto last = stripe.last_checkout();
    if (last.empty() || last["id"] != id) return {404, R"({"error":"not the last Checkout Session"})"};
    return {200, stripe.CompleteCheckout(id)};
  }
  return {404, R"({"error":"GET /last-checkout or POST /checkout/{id}/complete"})"};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: reflexio_stripe_peer SECRET_KEY PRICE_ID:DAYS...\n";
    return 2;
  }
  std::map<std::string, int> prices;
  for (int i = 2; i < argc; ++i) {
    std::string price = argv[i];
    size_t colon = price.rfind(':');
    int days = 0;
    bool read = colon != std::string::npos && colon > 0;
    if (read) {
      auto [end, error] = std::from_chars(price.data() + colon + 1, price.data() + price.size(), days);
      read = error == std::errc() && end == price.data() + price.size() && days > 0;
    }
    if (!read) {
      std::cerr << "a price is PRICE_ID:DAYS, not '" << price << "'\n";
      return 2;
    }
    prices[price.substr(0, colon)] = days;
  }
  StripePeer stripe(argv[1], prices);
  LocalHttpPeer control([&stripe](const PeerRequest& request) { return Control(stripe, request); });
  std::cout << nlohmann::json{{"api_url", stripe.api_url()}, {"control_url", control.base_url()}}.dump() << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
  }
  return 0;
}
