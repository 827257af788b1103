#include "billing/stripe_signature.h"

#include <cmath>
#include <cstdlib>

#include "crypto/digest.h"

namespace reflexio {

namespace {

struct SignatureHeader {
  std::string timestamp;            // as sent: the signed text holds it verbatim
  std::vector<std::string> v1;      // raw bytes of each v1 signature that is valid hex
  bool malformed_v1 = false;
};

SignatureHeader ParseHeader(std::string_view header) {
  SignatureHeader parsed;
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view item = header.substr(start, end - start);
    size_t equals = item.find('=');
    if (equals != std::string_view::npos) {
      std::string_view key = item.substr(0, equals), value = item.substr(equals + 1);
      if (key == "t") parsed.timestamp = std::string(value);
      if (key == "v1") {
        auto bytes = FromHex(value);
        if (bytes && bytes->size() == 32) {
          parsed.v1.push_back(*bytes);
        } else {
          parsed.malformed_v1 = true;
        }
      }
    }
    start = end + 1;
  }
  return parsed;
}

bool IsWholeNumber(const std::string& text) {
  if (text.empty() || text.size() > 12) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Status VerifyStripeSignature(std::string_view payload, std::string_view header, const std::vector<std::string>& secrets,
                             TimePoint now, std::chrono::seconds tolerance) {
  if (header.empty()) return InvalidArgument("no Stripe-Signature header", "stripe_signature_missing");
  SignatureHeader parsed = ParseHeader(header);
  if (!IsWholeNumber(parsed.timestamp) || (parsed.v1.empty() && !parsed.malformed_v1)) {
    return InvalidArgument("the Stripe-Signature header needs t=<unix seconds> and v1=<signature>",
                           "stripe_signature_malformed");
  }
  double age_s = ToUnixSeconds(now) - std::strtod(parsed.timestamp.c_str(), nullptr);
  if (std::abs(age_s) > static_cast<double>(tolerance.count())) {
    return InvalidArgument("the signature's timestamp is " + std::to_string(static_cast<int64_t>(age_s)) +
                               " s from now, outside the " + std::to_string(tolerance.count()) + " s tolerance",
                           "stripe_signature_expired");
  }
  std::string signed_text = parsed.timestamp + "." + std::string(payload);
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    std::string expected = HmacSha256(secret, signed_text);
    for (const std::string& given : parsed.v1) {
      if (EqualInConstantTime(expected, given)) return Status::Ok();
    }
  }
  return InvalidArgument("no v1 signature matches this endpoint's signing secret", "stripe_signature_mismatch");
}

}  // namespace reflexio
