#include "crypto/blob_cipher.h"

#include <gtest/gtest.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "crypto/digest.h"
#include "crypto/keys.h"

namespace reflexio {
namespace {

const BlobContext kAudio{"tenant-a", "audio/tenant-a/rec-1.opus"};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) % 251);
  return s;
}

constexpr size_t kFrame = 1000;
constexpr const char* kKnownAnswerSha256 = "c576e8329e7cc90625ff9342aefd10ff17fbdd327e54b4289d65fb100d9d8549";  // small frames make every edge cheap to test

// The frame format built from its written description with OpenSSL directly — not with the
// code under test — from fixed inputs: header "RFX1" | frame size (u32 BE) | salt (16) |
// plaintext length (u64 BE); per-object key HKDF-SHA256(key, salt, "reflexio-blob-v1\0" tenant
// "\0" object); frame i sealed with AES-256-GCM, nonce 0^4 | i (u64 BE), associated data
// header | i (u64 BE) | last-frame flag, tag appended.
std::string BuildFromTheSpecification(const std::string& key, const std::string& salt, const BlobContext& context,
                                      const std::string& plaintext, uint32_t frame_size) {
  auto u64 = [](uint64_t v) { std::string s; for (int i = 7; i >= 0; --i) s += static_cast<char>(v >> (8 * i)); return s; };
  std::string header = "RFX1";
  for (int i = 3; i >= 0; --i) header += static_cast<char>(frame_size >> (8 * i));
  header += salt + u64(plaintext.size());
  std::string info = std::string("reflexio-blob-v1") + '\0' + context.tenant_id + '\0' + context.object_id;
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> kctx(EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(key.data()), key.size()),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
                         OSSL_PARAM_construct_end()};
  std::string object_key(32, '\0');
  EXPECT_EQ(EVP_KDF_derive(kctx.get(), reinterpret_cast<unsigned char*>(object_key.data()), 32, params), 1);
  std::string out = header;
  size_t frames = (plaintext.size() + frame_size - 1) / frame_size;
  for (size_t i = 0; i < frames; ++i) {
    std::string chunk = plaintext.substr(i * frame_size, frame_size);
    std::string nonce = std::string(4, '\0') + u64(i);
    std::string aad = header + u64(i) + (i + 1 == frames ? '\1' : '\0');
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
    std::string sealed(chunk.size() + 16, '\0');
    int len = 0;
    EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(object_key), u(nonce));
    EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size()));
    EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(sealed.data()), &len, u(chunk),
                      static_cast<int>(chunk.size()));
    EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(sealed.data()) + len, &len);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, sealed.data() + chunk.size());
    out += sealed;
  }
  return out;
}

TEST(BlobCipher, KnownAnswerFromTheWrittenFormat) {
  std::string key(32, '\0'), salt(16, '\0');
  for (int i = 0; i < 32; ++i) key[i] = static_cast<char>(i);
  for (int i = 0; i < 16; ++i) salt[i] = static_cast<char>(0xa0 + i);
  std::string plaintext = "Reflexio frame format known answer: two frames and a short last one.";
  std::string sealed = BuildFromTheSpecification(key, salt, kAudio, plaintext, 32);
  ASSERT_EQ(sealed.size(), kBlobHeaderSize + plaintext.size() + 3 * kBlobTagSize);
  // Pinned once from the construction above: the format may never change silently.
  EXPECT_EQ(Sha256Hex(sealed), kKnownAnswerSha256);
  auto opened = DecryptBlob(key, kAudio, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, plaintext);
  // And what EncryptBlob writes has the same layout: header fields where the format says.
  auto ours = EncryptBlob(key, kAudio, plaintext, 32);
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(ours->size(), sealed.size());
  EXPECT_EQ(ours->substr(0, 8), sealed.substr(0, 8));
  EXPECT_EQ(ours->substr(24, 8), sealed.substr(24, 8));
}

TEST(BlobCipher, RoundTripsEverySizeAroundFrameEdges) {
  std::string key = NewDataKey();
  for (size_t n : {0, 1, 999, 1000, 1001, 3500}) {
    std::string plain = Pattern(n);
    auto sealed = EncryptBlob(key, kAudio, plain, kFrame);
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed->size(), kBlobHeaderSize + n + kBlobTagSize * std::max<size_t>(1, (n + kFrame - 1) / kFrame));
    auto back = DecryptBlob(key, kAudio, *sealed);
    ASSERT_TRUE(back.ok()) << n << ": " << back.status().ToString();
    EXPECT_EQ(*back, plain) << n;
  }
}

TEST(BlobCipher, NoPlaintextAppearsAndEachSealingDiffers) {
  std::string key = NewDataKey();
  std::string plain = "the meeting with Anna is moved to Thursday at noon";
  auto a = EncryptBlob(key, kAudio, plain, kFrame), b = EncryptBlob(key, kAudio, plain, kFrame);
  EXPECT_EQ(a->find("Anna"), std::string::npos);
  EXPECT_NE(*a, *b) << "a fresh salt, so a fresh object key, every time";
}

TEST(BlobCipher, DetectsEveryKindOfTampering) {
  std::string key = NewDataKey();
  std::string sealed = *EncryptBlob(key, kAudio, Pattern(3500), kFrame);
  size_t frame = kFrame + kBlobTagSize;
  auto fails = [&](const std::string& bad, const BlobContext& ctx = kAudio, const std::string& k = "") {
    auto r = DecryptBlob(k.empty() ? key : k, ctx, bad);
    return !r.ok();
  };
  std::string flipped = sealed;
  flipped[kBlobHeaderSize + 10] ^= 1;
  EXPECT_TRUE(fails(flipped)) << "a changed byte";
  std::string swapped = sealed.substr(0, kBlobHeaderSize) + sealed.substr(kBlobHeaderSize + frame, frame) +
                        sealed.substr(kBlobHeaderSize, frame) + sealed.substr(kBlobHeaderSize + 2 * frame);
  EXPECT_TRUE(fails(swapped)) << "two frames swapped";
  EXPECT_TRUE(fails(sealed.substr(0, sealed.size() - 1))) << "the last byte cut";
  EXPECT_TRUE(fails(sealed.substr(0, kBlobHeaderSize + 3 * frame))) << "the last frame dropped";
  std::string shorter = sealed;
  shorter[31] = static_cast<char>(3000 & 0xff);  // claims 3000 bytes: drop the final frame, keep the rest
  shorter[30] = static_cast<char>(3000 >> 8);
  EXPECT_TRUE(fails(shorter.substr(0, kBlobHeaderSize + 3 * frame))) << "a header rewritten to hide truncation";
  EXPECT_TRUE(fails(sealed, {"tenant-b", kAudio.object_id})) << "moved to another tenant";
  EXPECT_TRUE(fails(sealed, {kAudio.tenant_id, "audio/tenant-a/rec-2.opus"})) << "moved to another object";
  EXPECT_TRUE(fails(sealed, kAudio, NewDataKey())) << "another key";
  EXPECT_FALSE(fails(sealed)) << "and the original still opens";
}

TEST(BlobCipher, RangeDecryptionReadsOnlyTheCoveringFrames) {
  std::string key = NewDataKey();
  std::string plain = Pattern(10 * kFrame + 123);
  std::string sealed = *EncryptBlob(key, kAudio, plain, kFrame);
  size_t bytes_read = 0;
  SealedReader read = [&](uint64_t pos, size_t len) -> Result<std::string> {
    bytes_read += std::min<size_t>(len, sealed.size() - std::min<size_t>(pos, sealed.size()));
    return sealed.substr(std::min<size_t>(pos, sealed.size()), len);
  };
  auto slice = DecryptBlobRange(key, kAudio, read, 2500, 1700);  // frames 2, 3 and 4
  ASSERT_TRUE(slice.ok()) << slice.status().ToString();
  EXPECT_EQ(*slice, plain.substr(2500, 1700));
  EXPECT_EQ(bytes_read, kBlobHeaderSize + 3 * (kFrame + kBlobTagSize));
  EXPECT_EQ(*DecryptBlobRange(key, kAudio, read, 10 * kFrame, 1000), plain.substr(10 * kFrame)) << "clipped at the end";
  std::string damaged = sealed;
  damaged[kBlobHeaderSize + 3 * (kFrame + kBlobTagSize) + 5] ^= 1;
  SealedReader read_damaged = [&](uint64_t pos, size_t len) -> Result<std::string> { return damaged.substr(pos, len); };
  EXPECT_FALSE(DecryptBlobRange(key, kAudio, read_damaged, 2500, 1700).ok());
}

TEST(Keys, MasterKeyIsDeterministicPerPasswordAndSalt) {
  auto cost = Argon2Cost::Interactive();
  std::string salt = "0123456789abcdef";
  auto a = DeriveMasterKey("correct horse battery staple", salt, cost);
  auto b = DeriveMasterKey("correct horse battery staple", salt, cost);
  auto c = DeriveMasterKey("correct horse battery staple", "fedcba9876543210", cost);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_FALSE(DeriveMasterKey("short", salt, cost).ok());
  EXPECT_FALSE(DeriveMasterKey("correct horse battery staple", "salty", cost).ok());
}

TEST(Keys, DataKeysAreStoredOnlyWrappedAndBoundToTheirTenant) {
  std::string master = NewDataKey(), rotated = NewDataKey(), data = NewDataKey();
  auto wrapped = WrapKey(master, "tenant-a", data);
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(wrapped->find(data), std::string::npos);
  EXPECT_EQ(*UnwrapKey(master, "tenant-a", *wrapped), data);
  EXPECT_FALSE(UnwrapKey(master, "tenant-b", *wrapped).ok()) << "bound to its tenant";
  EXPECT_FALSE(UnwrapKey(rotated, "tenant-a", *wrapped).ok()) << "another master key cannot open it";
  // Rotation: rewrap under the new master; data sealed with the data key still opens.
  std::string sealed = *EncryptBlob(data, kAudio, "said on Monday", kFrame);
  auto rewrapped = WrapKey(rotated, "tenant-a", *UnwrapKey(master, "tenant-a", *wrapped));
  ASSERT_TRUE(rewrapped.ok());
  EXPECT_EQ(*DecryptBlob(*UnwrapKey(rotated, "tenant-a", *rewrapped), kAudio, sealed), "said on Monday");
}

}  // namespace
}  // namespace reflexio
