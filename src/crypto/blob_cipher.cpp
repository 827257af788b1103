#include "crypto/blob_cipher.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace reflexio {

namespace {

constexpr char kMagic[4] = {'R', 'F', 'X', '1'};

Status Corrupt(const std::string& why) {
  return Status(ErrorCode::kInternal, "blob_integrity", "encrypted object failed its integrity check: " + why);
}

void PutU32(std::string& out, uint32_t v) { for (int i = 3; i >= 0; --i) out += static_cast<char>(v >> (8 * i)); }
void PutU64(std::string& out, uint64_t v) { for (int i = 7; i >= 0; --i) out += static_cast<char>(v >> (8 * i)); }
uint64_t GetU(std::string_view s, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(s[pos + i]);
  return v;
}

struct Header {
  uint32_t frame_size = 0;
  std::string salt;
  uint64_t plaintext_size = 0;
  std::string bytes;
  uint64_t Frames() const { return plaintext_size == 0 ? 1 : (plaintext_size + frame_size - 1) / frame_size; }
};

Result<Header> ParseHeader(std::string_view bytes) {
  if (bytes.size() < kBlobHeaderSize || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Corrupt("not a Reflexio encrypted object");
  }
  Header h;
  h.frame_size = static_cast<uint32_t>(GetU(bytes, 4, 4));
  h.salt = std::string(bytes.substr(8, 16));
  h.plaintext_size = GetU(bytes, 24, 8);
  h.bytes = std::string(bytes.substr(0, kBlobHeaderSize));
  if (h.frame_size == 0 || h.frame_size > (64u << 20)) return Corrupt("impossible frame size");
  return h;
}

Result<std::string> ObjectKey(std::string_view key, const Header& h, const BlobContext& context) {
  if (key.size() != 32) return InvalidArgument("a data key is 32 bytes", "bad_key");
  std::string info = "reflexio-blob-v1";
  info += '\0' + context.tenant_id + '\0' + context.object_id;
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(key.data()), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(h.salt.data()), h.salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  std::string out(32, '\0');
  if (!ctx || EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params) != 1) {
    return Internal("HKDF failed");
  }
  return out;
}

std::string Nonce(uint64_t frame) {
  std::string nonce(4, '\0');
  PutU64(nonce, frame);
  return nonce;
}

std::string Aad(const Header& h, uint64_t frame) {
  std::string aad = h.bytes;
  PutU64(aad, frame);
  aad += frame + 1 == h.Frames() ? '\1' : '\0';
  return aad;
}

// Seals (encrypt=true) or opens one frame.
Result<std::string> Frame(bool encrypt, const std::string& key, const Header& h, uint64_t index, std::string_view in) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string nonce = Nonce(index), aad = Aad(h, index);
  auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  int len = 0;
  std::string_view body = encrypt ? in : in.substr(0, in.size() - kBlobTagSize);
  std::string out(body.size() + (encrypt ? kBlobTagSize : 0), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  bool ok = (encrypt ? EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key), u(nonce))
                     : EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key), u(nonce))) == 1;
  ok = ok && (encrypt ? EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size()))
                      : EVP_DecryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size()))) == 1;
  const auto* b = reinterpret_cast<const unsigned char*>(body.data());
  ok = ok && (encrypt ? EVP_EncryptUpdate(ctx.get(), o, &len, b, static_cast<int>(body.size()))
                      : EVP_DecryptUpdate(ctx.get(), o, &len, b, static_cast<int>(body.size()))) == 1;
  if (!ok) return Internal("AES-256-GCM failed");
  if (encrypt) {
    ok = EVP_EncryptFinal_ex(ctx.get(), o + len, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kBlobTagSize, o + body.size()) == 1;
    if (!ok) return Internal("AES-256-GCM failed");
    return out;
  }
  std::string tag(in.substr(in.size() - kBlobTagSize));
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kBlobTagSize, tag.data());
  if (EVP_DecryptFinal_ex(ctx.get(), o + len, &len) != 1) {
    return Corrupt("frame " + std::to_string(index) + " does not authenticate");
  }
  return out;
}

uint64_t FrameOffset(const Header& h, uint64_t frame) { return kBlobHeaderSize + frame * (h.frame_size + kBlobTagSize); }
size_t FramePlainSize(const Header& h, uint64_t frame) {
  if (h.plaintext_size == 0) return 0;
  return static_cast<size_t>(std::min<uint64_t>(h.frame_size, h.plaintext_size - frame * h.frame_size));
}

}  // namespace

Result<std::string> EncryptBlob(std::string_view key, const BlobContext& context, std::string_view plaintext,
                                size_t frame_size) {
  Header h;
  h.frame_size = static_cast<uint32_t>(frame_size);
  h.plaintext_size = plaintext.size();
  h.salt.assign(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(h.salt.data()), 16) != 1) return Internal("no randomness");
  h.bytes.assign(kMagic, 4);
  PutU32(h.bytes, h.frame_size);
  h.bytes += h.salt;
  PutU64(h.bytes, h.plaintext_size);
  ASSIGN_OR_RETURN(std::string object_key, ObjectKey(key, h, context));
  std::string out = h.bytes;
  for (uint64_t i = 0; i < h.Frames(); ++i) {
    ASSIGN_OR_RETURN(std::string sealed,
                     Frame(true, object_key, h, i, plaintext.substr(i * frame_size, FramePlainSize(h, i))));
    out += sealed;
  }
  return out;
}

Result<std::string> DecryptBlob(std::string_view key, const BlobContext& context, std::string_view sealed) {
  ASSIGN_OR_RETURN(Header h, ParseHeader(sealed));
  if (sealed.size() != FrameOffset(h, h.Frames() - 1) + FramePlainSize(h, h.Frames() - 1) + kBlobTagSize) {
    return Corrupt("its length does not match its header (truncated or extended)");
  }
  ASSIGN_OR_RETURN(std::string object_key, ObjectKey(key, h, context));
  std::string out;
  out.reserve(h.plaintext_size);
  for (uint64_t i = 0; i < h.Frames(); ++i) {
    ASSIGN_OR_RETURN(std::string plain, Frame(false, object_key, h, i,
                                              sealed.substr(FrameOffset(h, i), FramePlainSize(h, i) + kBlobTagSize)));
    out += plain;
  }
  return out;
}

Result<std::string> DecryptBlobRange(std::string_view key, const BlobContext& context, const SealedReader& read,
                                     uint64_t offset, uint64_t length) {
  ASSIGN_OR_RETURN(std::string header_bytes, read(0, kBlobHeaderSize));
  ASSIGN_OR_RETURN(Header h, ParseHeader(header_bytes));
  if (offset >= h.plaintext_size || length == 0) return std::string();
  uint64_t end = std::min(h.plaintext_size, offset + length);
  ASSIGN_OR_RETURN(std::string object_key, ObjectKey(key, h, context));
  std::string out;
  for (uint64_t i = offset / h.frame_size; i * h.frame_size < end; ++i) {
    size_t want = FramePlainSize(h, i) + kBlobTagSize;
    ASSIGN_OR_RETURN(std::string sealed, read(FrameOffset(h, i), want));
    if (sealed.size() != want) return Corrupt("frame " + std::to_string(i) + " is truncated");
    ASSIGN_OR_RETURN(std::string plain, Frame(false, object_key, h, i, sealed));
    uint64_t frame_start = i * h.frame_size;
    uint64_t from = std::max(offset, frame_start) - frame_start;
    uint64_t to = std::min(end, frame_start + plain.size()) - frame_start;
    out.append(plain, from, to - from);
  }
  return out;
}

Result<uint64_t> SealedPlaintextSize(std::string_view key, const BlobContext& context, const SealedReader& read) {
  ASSIGN_OR_RETURN(std::string header_bytes, read(0, kBlobHeaderSize));
  ASSIGN_OR_RETURN(Header h, ParseHeader(header_bytes));
  // The last frame's associated data binds the header: opening it proves the length is the
  // one that was sealed and that nothing was cut off the end.
  uint64_t last = h.Frames() - 1;
  size_t want = FramePlainSize(h, last) + kBlobTagSize;
  ASSIGN_OR_RETURN(std::string sealed, read(FrameOffset(h, last), want));
  if (sealed.size() != want) return Corrupt("frame " + std::to_string(last) + " is truncated");
  ASSIGN_OR_RETURN(std::string object_key, ObjectKey(key, h, context));
  RETURN_IF_ERROR(Frame(false, object_key, h, last, sealed).status());
  return h.plaintext_size;
}

}  // namespace reflexio
