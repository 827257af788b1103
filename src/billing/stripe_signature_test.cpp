#include "billing/stripe_signature.h"

#include <gtest/gtest.h>

#include "billing/testing/stripe_signer.h"
#include "crypto/digest.h"

namespace reflexio {
namespace {

const std::string kPayload = R"({"id":"evt_1PqA","object":"event","type":"invoice.paid","data":{"object":{"id":"in_1"}}})";
const std::string kSecret = "whsec_test_signing_secret";
const TimePoint kNow = FromUnixSeconds(1796590000);

std::string Sign(const std::string& secret, int64_t t, const std::string& payload = kPayload) {
  return ToHex(HmacSha256(secret, std::to_string(t) + "." + payload));
}

// The header Stripe's own library makes.
std::string StripesHeader(const std::string& secret, int64_t t, const std::string& payload) {
  return testing::StripeSignatureHeader(secret, t, payload);
}

std::string ReasonOf(const Status& status) { return status.ok() ? "ok" : status.reason(); }

TEST(StripeSignature, AcceptsWhatStripesOwnLibrarySigns) {
  int64_t t = static_cast<int64_t>(ToUnixSeconds(kNow));
  std::string header = StripesHeader(kSecret, t, kPayload);
  ASSERT_EQ(header.rfind("t=" + std::to_string(t) + ",v1=", 0), 0u) << header;
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, header, {kSecret}, kNow)), "ok") << header;
  // Bytes are signed as they are: Stripe's signer and ours agree on non-ASCII text too.
  std::string russian = R"({"description":"подписка — 9,99 $"})";
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(russian, StripesHeader(kSecret, t, russian), {kSecret}, kNow)), "ok");
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload + " ", header, {kSecret}, kNow)), "stripe_signature_mismatch");
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, StripesHeader("whsec_another", t, kPayload), {kSecret}, kNow)),
            "stripe_signature_mismatch");
}

TEST(StripeSignature, RefusesAForgedSignatureOrTheWrongSecret) {
  int64_t t = 1796590000;
  std::string good = Sign(kSecret, t);
  EXPECT_TRUE(VerifyStripeSignature(kPayload, "t=" + std::to_string(t) + ",v1=" + good, {kSecret}, kNow).ok());
  std::string forged = good;
  forged[0] = forged[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "t=" + std::to_string(t) + ",v1=" + forged, {kSecret}, kNow)),
            "stripe_signature_mismatch");
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "t=" + std::to_string(t) + ",v1=" + good, {"whsec_other"}, kNow)),
            "stripe_signature_mismatch");
  // The timestamp is part of what is signed: moving it breaks the signature.
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "t=" + std::to_string(t + 1) + ",v1=" + good, {kSecret}, kNow)),
            "stripe_signature_mismatch");
  // A v0 (Stripe's test scheme) is never accepted in place of v1.
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "t=" + std::to_string(t) + ",v0=" + good, {kSecret}, kNow)),
            "stripe_signature_malformed");
}

TEST(StripeSignature, RefusesATimestampOutsideFiveMinutesEitherWay) {
  int64_t now = 1796590000;
  auto verify_at = [&](int64_t t) {
    return ReasonOf(VerifyStripeSignature(kPayload, "t=" + std::to_string(t) + ",v1=" + Sign(kSecret, t), {kSecret}, kNow));
  };
  EXPECT_EQ(verify_at(now - 300), "ok");
  EXPECT_EQ(verify_at(now - 301), "stripe_signature_expired");
  EXPECT_EQ(verify_at(now + 300), "ok");
  EXPECT_EQ(verify_at(now + 301), "stripe_signature_expired");
  EXPECT_EQ(verify_at(now - 86400), "stripe_signature_expired");
}

TEST(StripeSignature, AcceptsAnyV1DuringARotationOnEitherSide) {
  int64_t t = 1796590000;
  std::string ts = "t=" + std::to_string(t);
  // Stripe rotating: one v1 per secret it signs with, ours among them.
  EXPECT_TRUE(VerifyStripeSignature(kPayload, ts + ",v1=" + Sign("whsec_old", t) + ",v1=" + Sign(kSecret, t), {kSecret},
                                    kNow).ok());
  // Us rotating: the endpoint accepts the old and the new secret for a while.
  EXPECT_TRUE(VerifyStripeSignature(kPayload, ts + ",v1=" + Sign("whsec_old", t), {kSecret, "whsec_old"}, kNow).ok());
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, ts + ",v1=" + Sign("whsec_old", t), {kSecret}, kNow)),
            "stripe_signature_mismatch");
}

TEST(StripeSignature, AMissingOrMalformedHeaderSaysSo) {
  std::string v1 = Sign(kSecret, 1796590000);
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "", {kSecret}, kNow)), "stripe_signature_missing");
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "v1=" + v1, {kSecret}, kNow)), "stripe_signature_malformed");
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "t=1796590000", {kSecret}, kNow)), "stripe_signature_malformed");
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "t=soon,v1=" + v1, {kSecret}, kNow)), "stripe_signature_malformed");
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "t=1796590000,v1=zz" + v1.substr(2), {kSecret}, kNow)),
            "stripe_signature_mismatch");
  EXPECT_EQ(ReasonOf(VerifyStripeSignature(kPayload, "t=1796590000,v1=" + v1, {""}, kNow)), "stripe_signature_mismatch")
      << "an empty secret verifies nothing";
  Status refused = VerifyStripeSignature(kPayload, "t=1796590000,v1=" + Sign("x", 1796590000), {kSecret}, kNow);
  EXPECT_EQ(refused.message().find(kSecret), std::string::npos);
  EXPECT_EQ(refused.message().find(v1), std::string::npos) << "the expected signature is never told";
}

}  // namespace
}  // namespace reflexio
