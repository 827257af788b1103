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

constexpr char kMagic[4] = {'R', 'F', 'X', '2'};
constexpr char kLegacyMagic[4] = {'R', 'F', 'X', '1'};  // plaintext length in the header
constexpr size_t kOpenedFramesKept = 4;

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

Result<std::string> ObjectKey(std::string_view key, std::string_view salt, const BlobContext& context) {
  if (key.size() != 32) return InvalidArgument("a data key is 32 bytes", "bad_key");
  std::string info = "reflexio-blob-v1";
  info += '\0' + context.tenant_id + '\0' + context.object_id;
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(key.data()), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
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

std::string Aad(const std::string& header, uint64_t frame, bool last) {
  std::string aad = header;
  PutU64(aad, frame);
  aad += last ? '\1' : '\0';
  return aad;
}

// Seals (encrypt=true) or opens one frame.
Result<std::string> Frame(bool encrypt, const std::string& key, const std::string& header, uint64_t index, bool last,
                          std::string_view in) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string nonce = Nonce(index), aad = Aad(header, index, last);
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

uint64_t FrameOffset(uint32_t frame_size, uint64_t frame) {
  return kBlobHeaderSize + frame * (frame_size + kBlobTagSize);
}

}  // namespace

Result<BlobSealer> BlobSealer::Start(std::string_view key, const BlobContext& context, size_t frame_size) {
  if (frame_size == 0 || frame_size > (64u << 20)) return InvalidArgument("impossible frame size", "bad_frame_size");
  BlobSealer sealer;
  sealer.frame_size_ = static_cast<uint32_t>(frame_size);
  std::string salt(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 16) != 1) return Internal("no randomness");
  sealer.header_.assign(kMagic, 4);
  PutU32(sealer.header_, sealer.frame_size_);
  sealer.header_ += salt;
  PutU64(sealer.header_, 0);
  ASSIGN_OR_RETURN(sealer.object_key_, ObjectKey(key, salt, context));
  return sealer;
}

Result<std::string> BlobSealer::SealFrame(std::string_view plaintext, bool last) {
  return Frame(true, object_key_, header_, next_frame_++, last, plaintext);
}

Result<std::string> BlobSealer::Append(std::string_view plaintext) {
  std::string out;
  if (!header_written_) {
    out = header_;
    header_written_ = true;
  }
  pending_.append(plaintext);
  size_t sealed_up_to = 0;
  // A full frame stays pending until a byte after it arrives: only Finish knows the last one.
  while (pending_.size() - sealed_up_to > frame_size_) {
    ASSIGN_OR_RETURN(std::string frame, SealFrame(std::string_view(pending_).substr(sealed_up_to, frame_size_), false));
    out += frame;
    sealed_up_to += frame_size_;
  }
  pending_.erase(0, sealed_up_to);
  return out;
}

Result<std::string> BlobSealer::Finish() {
  ASSIGN_OR_RETURN(std::string out, Append(""));
  ASSIGN_OR_RETURN(std::string last, SealFrame(pending_, true));
  pending_.clear();
  return out + last;
}

Result<SealedBlob> SealedBlob::Open(std::string_view key, const BlobContext& context, uint64_t sealed_size,
                                    SealedReader read) {
  SealedBlob blob;
  ASSIGN_OR_RETURN(blob.header_, read(0, kBlobHeaderSize));
  const std::string& h = blob.header_;
  bool current = h.size() == kBlobHeaderSize && std::memcmp(h.data(), kMagic, 4) == 0;
  bool legacy = h.size() == kBlobHeaderSize && std::memcmp(h.data(), kLegacyMagic, 4) == 0;
  if (!current && !legacy) return Corrupt("not a Reflexio encrypted object");
  blob.frame_size_ = static_cast<uint32_t>(GetU(h, 4, 4));
  if (blob.frame_size_ == 0 || blob.frame_size_ > (64u << 20)) return Corrupt("impossible frame size");
  if (sealed_size < kBlobHeaderSize + kBlobTagSize) return Corrupt("shorter than one frame");
  // Frames from the sealed length: all full but the last, which holds at least one byte unless
  // the plaintext is empty.
  uint64_t body = sealed_size - kBlobHeaderSize, sealed_frame = blob.frame_size_ + kBlobTagSize;
  uint64_t frames = (body + sealed_frame - 1) / sealed_frame;
  uint64_t last_sealed = body - (frames - 1) * sealed_frame;
  if (last_sealed < kBlobTagSize || (last_sealed == kBlobTagSize && frames > 1)) {
    return Corrupt("its length does not end in a whole frame (truncated or extended)");
  }
  blob.plaintext_size_ = (frames - 1) * blob.frame_size_ + (last_sealed - kBlobTagSize);
  if (current && GetU(h, 24, 8) != 0) return Corrupt("a reserved header field is set");
  if (legacy && GetU(h, 24, 8) != blob.plaintext_size_) {
    return Corrupt("its length does not match its header (truncated or extended)");
  }
  ASSIGN_OR_RETURN(blob.object_key_, ObjectKey(key, std::string_view(h).substr(8, 16), context));
  blob.read_ = std::move(read);
  // The last frame's flag binds the end: opening it proves nothing was cut off or added.
  RETURN_IF_ERROR(blob.OpenFrame(frames - 1).status());
  return blob;
}

uint64_t SealedBlob::Frames() const {
  return plaintext_size_ == 0 ? 1 : (plaintext_size_ + frame_size_ - 1) / frame_size_;
}

size_t SealedBlob::FramePlainSize(uint64_t index) const {
  if (plaintext_size_ == 0) return 0;
  return static_cast<size_t>(std::min<uint64_t>(frame_size_, plaintext_size_ - index * frame_size_));
}

Result<const std::string*> SealedBlob::OpenFrame(uint64_t index) {
  for (const auto& [cached, plain] : opened_) {
    if (cached == index) return &plain;
  }
  size_t want = FramePlainSize(index) + kBlobTagSize;
  ASSIGN_OR_RETURN(std::string sealed, read_(FrameOffset(frame_size_, index), want));
  if (sealed.size() != want) return Corrupt("frame " + std::to_string(index) + " is truncated");
  ASSIGN_OR_RETURN(std::string plain, Frame(false, object_key_, header_, index, index + 1 == Frames(), sealed));
  if (opened_.size() == kOpenedFramesKept) opened_.erase(opened_.begin());
  opened_.emplace_back(index, std::move(plain));
  return &opened_.back().second;
}

Result<std::string> SealedBlob::Read(uint64_t offset, uint64_t length) {
  if (offset >= plaintext_size_ || length == 0) return std::string();
  uint64_t end = std::min(plaintext_size_, offset + length);
  std::string out;
  out.reserve(static_cast<size_t>(end - offset));
  for (uint64_t i = offset / frame_size_; i * frame_size_ < end; ++i) {
    ASSIGN_OR_RETURN(const std::string* plain, OpenFrame(i));
    uint64_t frame_start = i * frame_size_;
    uint64_t from = std::max(offset, frame_start) - frame_start;
    uint64_t to = std::min(end, frame_start + plain->size()) - frame_start;
    out.append(*plain, from, to - from);
  }
  return out;
}

Result<std::string> EncryptBlob(std::string_view key, const BlobContext& context, std::string_view plaintext,
                                size_t frame_size) {
  ASSIGN_OR_RETURN(BlobSealer sealer, BlobSealer::Start(key, context, frame_size));
  ASSIGN_OR_RETURN(std::string out, sealer.Append(plaintext));
  ASSIGN_OR_RETURN(std::string rest, sealer.Finish());
  return out + rest;
}

Result<std::string> DecryptBlob(std::string_view key, const BlobContext& context, std::string_view sealed) {
  SealedReader read = [sealed](uint64_t position, size_t length) -> Result<std::string> {
    if (position >= sealed.size()) return std::string();
    return std::string(sealed.substr(position, length));
  };
  ASSIGN_OR_RETURN(SealedBlob blob, SealedBlob::Open(key, context, sealed.size(), std::move(read)));
  return blob.Read(0, blob.size());
}

}  // namespace reflexio
