#include "crypto/keys.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>

#include <memory>
#include <stdexcept>

namespace reflexio {

namespace {
constexpr size_t kNonce = 12, kTag = 16;
const std::string kWrapLabel = "reflexio-key-v1";
const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
}  // namespace

Argon2Cost Argon2Cost::Moderate() { return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE}; }
Argon2Cost Argon2Cost::Interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

Result<std::string> DeriveMasterKey(std::string_view password, std::string_view salt, Argon2Cost cost) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (password.size() < 12) {
    return InvalidArgument("AUDIO_ENCRYPTION_PASSWORD must be at least 12 characters", "weak_password");
  }
  if (salt.size() < crypto_pwhash_SALTBYTES) {
    return InvalidArgument("AUDIO_ENCRYPTION_SALT must be at least 16 bytes", "short_salt");
  }
  std::string key(kKeySize, '\0');
  if (crypto_pwhash(reinterpret_cast<unsigned char*>(key.data()), key.size(), password.data(), password.size(),
                    U(salt), cost.ops, cost.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Unavailable("Argon2id ran out of memory deriving the master key", "out_of_memory");
  }
  return key;
}

std::string NewDataKey() {
  std::string key(kKeySize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), kKeySize) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");  // no safe key can exist without entropy
  }
  return key;
}

Result<std::string> WrapKey(std::string_view master, const std::string& tenant_id, std::string_view data_key) {
  if (master.size() != kKeySize || data_key.size() != kKeySize) return InvalidArgument("keys are 32 bytes", "bad_key");
  std::string out(kNonce + kKeySize + kTag, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(o, kNonce) != 1) return Internal("no randomness");
  std::string aad = kWrapLabel + '\0' + tenant_id;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(master), o) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), o + kNonce, &len, U(data_key), kKeySize) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), o + kNonce + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, o + kNonce + kKeySize) == 1;
  if (!ok) return Internal("AES-256-GCM failed");
  return out;
}

Result<std::string> UnwrapKey(std::string_view master, const std::string& tenant_id, std::string_view wrapped) {
  if (master.size() != kKeySize || wrapped.size() != kNonce + kKeySize + kTag) {
    return InvalidArgument("not a wrapped key", "bad_key");
  }
  std::string key(kKeySize, '\0');
  std::string tag(wrapped.substr(kNonce + kKeySize));
  std::string aad = kWrapLabel + '\0' + tenant_id;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  auto* k = reinterpret_cast<unsigned char*>(key.data());
  bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(master), U(wrapped)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), k, &len, U(wrapped) + kNonce, kKeySize) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), k + len, &len) == 1;
  if (!ok) {
    return Status(ErrorCode::kUnauthenticated, "key_unwrap_failed",
                  "the tenant key does not open with this master key (wrong password, salt or key file?)");
  }
  return key;
}

}  // namespace reflexio
