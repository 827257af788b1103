#include "crypto/api_key.h"
#include "crypto/digest.h"

#include <gtest/gtest.h>

#include <set>

namespace reflexio {
namespace {

TEST(ApiKey, HasTheDocumentedShapeAndIsUnique) {
  std::set<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    std::string key = GenerateApiKey();
    EXPECT_TRUE(LooksLikeApiKey(key)) << key;
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 200u);
}

TEST(ApiKey, HashIsSha256HexAndNeverTheKey) {
  // Known answer: SHA-256("abc").
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string key = GenerateApiKey();
  std::string hash = HashApiKey(key);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find(key.substr(4)), std::string::npos);
  EXPECT_EQ(HashApiKey(key), hash);
  EXPECT_NE(HashApiKey(GenerateApiKey()), hash);
}

TEST(ApiKey, DisplayPrefixRevealsOnlyAFewCharacters) {
  std::string key = GenerateApiKey();
  EXPECT_EQ(ApiKeyDisplayPrefix(key).size(), 10u);
  EXPECT_EQ(key.rfind(ApiKeyDisplayPrefix(key), 0), 0u);
}

TEST(ApiKey, RejectsMalformedKeys) {
  EXPECT_FALSE(LooksLikeApiKey(""));
  EXPECT_FALSE(LooksLikeApiKey("rfx_short"));
  EXPECT_FALSE(LooksLikeApiKey("xyz_" + std::string(43, 'a')));
  EXPECT_FALSE(LooksLikeApiKey("rfx_" + std::string(42, 'a') + "!"));
}

}  // namespace
}  // namespace reflexio

namespace reflexio {
namespace {

TEST(Digest, HmacSha256KnownAnswer) {
  // RFC 4231 test case 2.
  EXPECT_EQ(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, EqualInConstantTimeComparesEveryByteAndTheLength) {
  EXPECT_TRUE(EqualInConstantTime("", ""));
  EXPECT_TRUE(EqualInConstantTime(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(EqualInConstantTime(std::string("a\0b", 3), std::string("a\0c", 3))) << "bytes after a NUL count";
  EXPECT_FALSE(EqualInConstantTime("abc", "abcd"));
  EXPECT_FALSE(EqualInConstantTime("xbc", "abc"));
}

}  // namespace
}  // namespace reflexio
