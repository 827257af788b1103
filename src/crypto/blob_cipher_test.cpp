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

constexpr size_t kFrame = 1000;  // small frames make every edge cheap to test
// Pinned once from the construction below: the formats may never change silently.
constexpr const char* kKnownAnswerSha256 = "c576e8329e7cc90625ff9342aefd10ff17fbdd327e54b4289d65fb100d9d8549";  // RFX1
constexpr const char* kCurrentKnownAnswerSha256 = "00132aef9b8bb34d02ada80b87b933224ca5418ebdbe0d4ab6ac042e908f6751";  // RFX2

// The frame format built from its written description with OpenSSL directly — not with the
// code under test — from fixed inputs: header "RFX2" | frame size (u32 BE) | salt (16) | 0^8
// ("RFX1", written by earlier versions: the plaintext length (u64 BE) instead of the zeros);
// per-object key HKDF-SHA256(key, salt, "reflexio-blob-v1\0" tenant "\0" object); frame i sealed
// with AES-256-GCM, nonce 0^4 | i (u64 BE), associated data header | i (u64 BE) | last-frame
// flag, tag appended.
std::string BuildFromTheSpecification(const std::string& key, const std::string& salt, const BlobContext& context,
                                      const std::string& plaintext, uint32_t frame_size, bool legacy = false) {
  auto u64 = [](uint64_t v) { std::string s; for (int i = 7; i >= 0; --i) s += static_cast<char>(v >> (8 * i)); return s; };
  std::string header = legacy ? "RFX1" : "RFX2";
  for (int i = 3; i >= 0; --i) header += static_cast<char>(frame_size >> (8 * i));
  header += salt + u64(legacy ? plaintext.size() : 0);
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
  EXPECT_EQ(Sha256Hex(sealed), kCurrentKnownAnswerSha256);
  auto opened = DecryptBlob(key, kAudio, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, plaintext);
  // What EncryptBlob writes has the same layout: the header fields where the format says.
  auto ours = EncryptBlob(key, kAudio, plaintext, 32);
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(ours->size(), sealed.size());
  EXPECT_EQ(ours->substr(0, 8), sealed.substr(0, 8));
  EXPECT_EQ(ours->substr(24, 8), sealed.substr(24, 8));
}

TEST(BlobCipher, ObjectsSealedByEarlierVersionsStillOpen) {
  std::string key(32, '\0'), salt(16, '\0');
  for (int i = 0; i < 32; ++i) key[i] = static_cast<char>(i);
  for (int i = 0; i < 16; ++i) salt[i] = static_cast<char>(0xa0 + i);
  std::string plaintext = "Reflexio frame format known answer: two frames and a short last one.";
  std::string sealed = BuildFromTheSpecification(key, salt, kAudio, plaintext, 32, /*legacy=*/true);
  EXPECT_EQ(Sha256Hex(sealed), kKnownAnswerSha256);
  auto opened = DecryptBlob(key, kAudio, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, plaintext);
  std::string lying = sealed;
  lying[31] = static_cast<char>(lying[31] - 1);  // a length one byte short of what the frames hold
  EXPECT_FALSE(DecryptBlob(key, kAudio, lying).ok());
  EXPECT_FALSE(DecryptBlob(key, kAudio, sealed.substr(0, sealed.size() - 32 - kBlobTagSize)).ok())
      << "the last frame dropped";
}

TEST(BlobCipher, SealsAStreamInPiecesHoldingAtMostOneFrame) {
  std::string key = NewDataKey();
  std::string plain = Pattern(5 * kFrame + 321);
  auto sealer = BlobSealer::Start(key, kAudio, kFrame);
  ASSERT_TRUE(sealer.ok());
  std::string sealed;
  size_t fed = 0, piece = 1;
  while (fed < plain.size()) {
    size_t n = std::min(piece, plain.size() - fed);
    auto out = sealer->Append(std::string_view(plain).substr(fed, n));
    ASSERT_TRUE(out.ok());
    sealed += *out;
    fed += n;
    piece = piece * 3 + 1;  // 1, 4, 13, 40, … bytes: pieces both inside and across frames
    // Every frame but the one still filling (or full and waiting for the next byte) is out.
    size_t frames_out = (sealed.size() - kBlobHeaderSize) / (kFrame + kBlobTagSize);
    EXPECT_EQ(frames_out, (fed - 1) / kFrame) << "after " << fed << " bytes";
  }
  auto last = sealer->Finish();
  ASSERT_TRUE(last.ok());
  sealed += *last;
  EXPECT_EQ(sealed.size(), kBlobHeaderSize + plain.size() + 6 * kBlobTagSize);
  EXPECT_EQ(sealed.find(plain.substr(100, 64)), std::string::npos);
  auto back = DecryptBlob(key, kAudio, sealed);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, plain);
  // A stream that ends exactly at a frame's end: the full frame waits, then is sealed last.
  auto exact = BlobSealer::Start(key, kAudio, kFrame);
  std::string two = *exact->Append(Pattern(2 * kFrame));
  EXPECT_EQ(two.size(), kBlobHeaderSize + kFrame + kBlobTagSize);
  two += *exact->Finish();
  EXPECT_EQ(*DecryptBlob(key, kAudio, two), Pattern(2 * kFrame));
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
  EXPECT_TRUE(fails(sealed.substr(0, kBlobHeaderSize + 3 * frame + 100))) << "cut inside the last frame";
  std::string reserved = sealed;
  reserved[31] = 1;
  EXPECT_TRUE(fails(reserved)) << "a reserved header byte set";
  std::string version = sealed;
  version[3] = '1';
  EXPECT_TRUE(fails(version)) << "relabelled as the earlier format";
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
  auto reader = [&](const std::string& from) {
    return [&bytes_read, &from](uint64_t pos, size_t len) -> Result<std::string> {
      std::string bytes = from.substr(std::min<size_t>(pos, from.size()), len);
      bytes_read += bytes.size();
      return bytes;
    };
  };
  auto blob = SealedBlob::Open(key, kAudio, sealed.size(), reader(sealed));
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_EQ(blob->size(), plain.size());
  EXPECT_EQ(bytes_read, kBlobHeaderSize + 123 + kBlobTagSize) << "opening reads the header and the last frame";
  bytes_read = 0;
  auto slice = blob->Read(2500, 1700);  // frames 2, 3 and 4
  ASSERT_TRUE(slice.ok()) << slice.status().ToString();
  EXPECT_EQ(*slice, plain.substr(2500, 1700));
  EXPECT_EQ(bytes_read, 3 * (kFrame + kBlobTagSize));
  bytes_read = 0;
  EXPECT_EQ(*blob->Read(3100, 50), plain.substr(3100, 50));
  EXPECT_EQ(bytes_read, 0u) << "a frame just opened is not read again";
  EXPECT_EQ(*blob->Read(10 * kFrame, 1000), plain.substr(10 * kFrame)) << "clipped at the end";
  EXPECT_EQ(*blob->Read(20 * kFrame, 1000), "") << "past the end";
  std::string damaged = sealed;
  damaged[kBlobHeaderSize + 3 * (kFrame + kBlobTagSize) + 5] ^= 1;
  auto opened_damaged = SealedBlob::Open(key, kAudio, damaged.size(), reader(damaged));
  ASSERT_TRUE(opened_damaged.ok()) << "the damage is in frame 3, not the last";
  EXPECT_FALSE(opened_damaged->Read(2500, 1700).ok());
  EXPECT_FALSE(SealedBlob::Open(key, kAudio, sealed.size() - 1, reader(sealed)).ok()) << "a truncated object";
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
