#include "crypto/blob_cipher.h"

#include <gtest/gtest.h>

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
