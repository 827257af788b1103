#include "billing/stripe_client.h"

#include <gtest/gtest.h>

#include "billing/testing/stripe_peer.h"

namespace reflexio {
namespace {

using testing::StripePeer;

StripeConfig At(const StripePeer& peer, const std::string& key) {
  return {.secret_key = key, .api_url = peer.api_url(), .timeout_s = 5};
}

TEST(StripeClient, ReadsTheBalanceWithTheSecretKey) {
  StripePeer peer("sk_test_accepted1234");
  CurlHttpClient http;
  auto balance = StripeClient(http, At(peer, "sk_test_accepted1234")).GetBalance();
  ASSERT_TRUE(balance.ok()) << balance.status().ToString();
  EXPECT_FALSE(balance->livemode);
  EXPECT_EQ(balance->available.at("usd"), 12345);
  EXPECT_EQ(peer.requests(), 1);
}

TEST(StripeClient, ARefusedKeyIsUnauthenticatedAndItsMessageHoldsNoPartOfTheKey) {
  StripePeer peer("sk_test_accepted1234");
  CurlHttpClient http;
  auto balance = StripeClient(http, At(peer, "sk_test_wrongkeyWXYZ")).GetBalance();
  ASSERT_FALSE(balance.ok());
  EXPECT_EQ(balance.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(balance.status().reason(), "stripe_key_refused");
  EXPECT_NE(balance.status().message().find("401 invalid_request_error"), std::string::npos) << balance.status().message();
  EXPECT_EQ(balance.status().message().find("WXYZ"), std::string::npos) << balance.status().message();
}

TEST(StripeClient, AnUnreachableOrFailingStripeIsUnavailable) {
  CurlHttpClient http;
  std::string closed_url;
  {
    StripePeer gone("sk_test_x");
    closed_url = gone.api_url();
  }
  auto unreachable = StripeClient(http, {.secret_key = "sk_test_x", .api_url = closed_url, .timeout_s = 5}).GetBalance();
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().reason(), "stripe_unreachable");
  StripePeer peer("sk_test_x");
  peer.SetDown(true);
  auto failing = StripeClient(http, At(peer, "sk_test_x")).GetBalance();
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(failing.status().message().find("500 api_error"), std::string::npos) << failing.status().message();
}

TEST(StripeClient, AWrongUrlIsUnavailableAndAnAnswerThatIsNotStripesIsAnInternalError) {
  StripePeer peer("sk_test_x");
  CurlHttpClient http;
  StripeConfig wrong_base = At(peer, "sk_test_x");
  wrong_base.api_url += "/elsewhere";  // the peer answers Stripe's 404 for any other URL
  auto lost = StripeClient(http, wrong_base).GetBalance();
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), ErrorCode::kUnavailable) << lost.status().ToString();
  EXPECT_NE(lost.status().message().find("404 invalid_request_error"), std::string::npos);

  testing::LocalHttpPeer not_stripe([](const testing::PeerRequest&) {
    return testing::PeerResponse{200, "<html>a captive portal</html>", "text/html"};
  });
  auto answer = StripeClient(http, {.secret_key = "sk_test_x", .api_url = not_stripe.base_url(), .timeout_s = 5}).GetBalance();
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), ErrorCode::kInternal);
  EXPECT_EQ(answer.status().reason(), "stripe_bad_answer");
}

}  // namespace
}  // namespace reflexio
