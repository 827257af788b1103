// Hashes and MACs (OpenSSL): SHA-256 of bytes, whole or as they stream in; HMAC-SHA256; hex
// encoding. The functions are pure and thread-safe; a Sha256Stream belongs to one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace reflexio {

std::string ToHex(std::string_view bytes);
std::optional<std::string> FromHex(std::string_view hex);  // nullopt unless valid hex
std::string Sha256(std::string_view data);  // raw 32 bytes
std::string Sha256Hex(std::string_view data);

// SHA-256 of bytes that arrive in pieces (an upload as it streams in).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(Sha256Stream&&) noexcept;
  Sha256Stream& operator=(Sha256Stream&&) noexcept;
  void Update(std::string_view data);
  std::string FinishHex();  // the digest of everything given; the stream is spent

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
// Whether a == b, in time that depends on their length only (for MACs and tokens an attacker guesses).
bool EqualInConstantTime(std::string_view a, std::string_view b);

}  // namespace reflexio
