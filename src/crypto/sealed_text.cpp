#include "crypto/sealed_text.h"

#include <sodium.h>

namespace reflexio {

namespace {
constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
}

Result<std::string> SealText(std::string_view tenant_key, const BlobContext& context, std::string_view plaintext) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  ASSIGN_OR_RETURN(std::string sealed, EncryptBlob(tenant_key, context, plaintext));
  std::string encoded(sodium_base64_encoded_len(sealed.size(), kVariant), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<const unsigned char*>(sealed.data()),
                    sealed.size(), kVariant);
  encoded.resize(encoded.size() - 1);  // the terminating NUL
  return encoded;
}

Result<std::string> OpenText(std::string_view tenant_key, const BlobContext& context, std::string_view sealed) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  std::string bytes(sealed.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), sealed.data(), sealed.size(),
                        nullptr, &length, nullptr, kVariant) != 0) {
    return Status(ErrorCode::kInternal, "blob_integrity",
                  "stored text of " + context.object_id + " is not a sealed value (stored before encryption?)");
  }
  bytes.resize(length);
  return DecryptBlob(tenant_key, context, bytes);
}

}  // namespace reflexio
