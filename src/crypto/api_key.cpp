#include "crypto/api_key.h"

#include "crypto/digest.h"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace reflexio {

namespace {
constexpr std::string_view kPrefix = "rfx_";
constexpr size_t kKeyBytes = 32;

std::string Base64Url(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < size; i += 3) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (size - i == 1) {
    uint32_t v = data[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (size - i == 2) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}
}  // namespace

std::string RandomBase64Url(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    // No entropy means no safe key can exist; this is not a recoverable condition.
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return Base64Url(buf.data(), buf.size());
}

std::string GenerateApiKey() { return std::string(kPrefix) + RandomBase64Url(kKeyBytes); }

std::string HashApiKey(std::string_view key) { return Sha256Hex(key); }

std::string ApiKeyDisplayPrefix(std::string_view key) {
  return std::string(key.substr(0, std::min<size_t>(key.size(), kPrefix.size() + 6)));
}

bool LooksLikeApiKey(std::string_view key) {
  if (key.size() != kPrefix.size() + 43 || key.substr(0, kPrefix.size()) != kPrefix) return false;
  for (char c : key.substr(kPrefix.size())) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace reflexio
