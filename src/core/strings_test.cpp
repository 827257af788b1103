#include "core/strings.h"

#include <gtest/gtest.h>

namespace reflexio {
namespace {

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

}  // namespace
}  // namespace reflexio
