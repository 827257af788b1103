#include "core/strings.h"

#include <gtest/gtest.h>

namespace reflexio {
namespace {

TEST(WithoutTrailingSlashes, DropsEverySlashAtTheEndAndNoneElsewhere) {
  EXPECT_EQ(WithoutTrailingSlashes("http://127.0.0.1:8080//"), "http://127.0.0.1:8080");
  EXPECT_EQ(WithoutTrailingSlashes("https://a.example/base/"), "https://a.example/base");
  EXPECT_EQ(WithoutTrailingSlashes("/"), "");
  EXPECT_EQ(WithoutTrailingSlashes("no-slash"), "no-slash");
}

TEST(TrimWhitespace, DropsSpacesTabsAndLineEndsAtBothEndsOnly) {
  EXPECT_EQ(TrimWhitespace("  a b\t\r\n"), "a b");
  EXPECT_EQ(TrimWhitespace("\tword"), "word");
  EXPECT_EQ(TrimWhitespace(" \r\n\t "), "");
  EXPECT_EQ(TrimWhitespace(""), "");
  EXPECT_EQ(TrimWhitespace(" дом "), "дом");
}

TEST(AsciiLower, LowersLatinLettersOnlyAndLeavesUtf8AsItIs) {
  EXPECT_EQ(AsciiLower("Content-Type: AUDIO/Wav"), "content-type: audio/wav");
  EXPECT_EQ(AsciiLower("ДОМ Z"), "ДОМ z");
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(Strings, PercentEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("line_items[0][price]"), "line_items%5B0%5D%5Bprice%5D");
  EXPECT_EQ(PercentEncode("a b&c=d/é~-._"), "a%20b%26c%3Dd%2F%C3%A9~-._");
}

}  // namespace
}  // namespace reflexio
