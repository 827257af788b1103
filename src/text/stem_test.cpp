#include "text/stem.h"

#include <gtest/gtest.h>

namespace reflexio {
namespace {

TEST(Stem, EnglishInflectionsShareAStem) {
  EXPECT_EQ(StemWord("recording"), StemWord("recorded"));
  EXPECT_EQ(StemWord("meetings"), StemWord("meeting"));
  EXPECT_EQ(StemWord("running"), "run");
  EXPECT_NE(StemWord("meeting"), StemWord("recording"));
}

TEST(Stem, RussianWordsUseTheRussianStemmer) {
  EXPECT_EQ(StemWord("встречи"), StemWord("встреча"));
  EXPECT_EQ(StemWord("книгами"), StemWord("книга"));
  EXPECT_NE(StemWord("встреча"), StemWord("книга"));
}

TEST(Stem, WordsWithDigitsStayWhole) {
  EXPECT_EQ(StemWord("mp3s"), "mp3s");
  EXPECT_EQ(StemWord("2026"), "2026");
}

TEST(Stem, SearchStemsNormalisesFirst) {
  EXPECT_EQ(SearchStems("The MEETINGS, Встречи!"),
            (std::vector<std::string>{StemWord("the"), StemWord("meetings"), StemWord("встречи")}));
  EXPECT_TRUE(SearchStems(" ,.! ").empty());
}

TEST(Stem, MarkStemsMarksInflectionsEscapesAndCuts) {
  EXPECT_EQ(MarkStems("We recorded <two> meetings.", {StemWord("recording"), StemWord("meeting")}),
            "We <mark>recorded</mark> &lt;two&gt; <mark>meetings.</mark>");
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += (i == 50 ? "needle " : "hay ");
  std::string snippet = MarkStems(long_text, {"needl"}, 8);
  EXPECT_EQ(snippet, "…hay hay <mark>needle</mark> hay hay hay hay hay…");
  EXPECT_EQ(MarkStems("nothing here", {"absent"}), "nothing here");
}

}  // namespace
}  // namespace reflexio
