#include "billing/testing/stripe_signer.h"

#include <gtest/gtest.h>

#include "core/test_support.h"

namespace reflexio::testing {

std::string StripeSignatureHeader(const std::string& secret, int64_t t, const std::string& payload) {
  std::string header;
  int status = RunWithInput(
      "node " REFLEXIO_SOURCE_DIR "/tests/peers/stripe-sign.mjs " + secret + " " + std::to_string(t), payload, &header);
  EXPECT_EQ(status, 0) << "node stripe-sign.mjs: " << header;
  return header;
}

}  // namespace reflexio::testing
