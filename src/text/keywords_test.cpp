#include "text/keywords.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "text/lexicon.h"

namespace reflexio {
namespace {

using ::testing::Contains;
using ::testing::Not;

std::vector<std::string> Words(const std::vector<Keyword>& keywords) {
  std::vector<std::string> out;
  for (const auto& k : keywords) out.push_back(k.word);
  return out;
}

TEST(Keywords, StopWordsInBothLanguagesNeverCount) {
  EXPECT_TRUE(IsStopWord("the"));
  EXPECT_TRUE(IsStopWord("что"));
  EXPECT_FALSE(IsStopWord("kittens"));
  EXPECT_EQ(ContentWords("the two stray kittens gradually make themselves at home"),
            (std::vector<std::string>{"two", "stray", "kittens", "gradually", "home"}));
}

TEST(Keywords, InflectionsGroupUnderOneStem) {
  auto keywords = ExtractKeywords({"when are you getting rid of these cats",
                                   "i'm not fixing to start an annex to kate's cat home",
                                   "the two stray kittens gradually make themselves at home"},
                                  3);
  ASSERT_GE(keywords.size(), 2u);
  auto cat = std::find_if(keywords.begin(), keywords.end(), [](const Keyword& k) { return k.stem == "cat"; });
  ASSERT_NE(cat, keywords.end());
  EXPECT_EQ(cat->count, 2);  // "cats" + "cat"
  EXPECT_EQ(cat->passages, (std::vector<int>{0, 1}));
  EXPECT_THAT(Words(keywords), Contains("home"));
  EXPECT_LT(std::distance(keywords.begin(), cat), 2);
}

TEST(Keywords, RussianWordsAreStemmedToo) {
  auto keywords = ExtractKeywords({"встреча с командой в офисе", "после встречи обсудим бюджет", "бюджет утвердим завтра"}, 2);
  ASSERT_EQ(keywords.size(), 2u);
  EXPECT_THAT(Words(keywords), Contains("бюджет"));
  EXPECT_THAT(Words(keywords), Not(Contains("с")));
}

TEST(Lexicon, EmotionWordsByStemWithNegation) {
  auto hits = FindEmotionWords("captain frere says that the scenery is delightful");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].emotion, "joy");
  EXPECT_GT(hits[0].valence, 0);
  auto negated = FindEmotionWords("i am not happy about it");
  ASSERT_EQ(negated.size(), 1u);
  EXPECT_TRUE(negated[0].negated);
  EXPECT_LT(negated[0].valence, 0);
  auto russian = FindEmotionWords("бедняга ребят на его месте должен был быть я");
  ASSERT_EQ(russian.size(), 1u);
  EXPECT_EQ(russian[0].emotion, "sadness");
  EXPECT_TRUE(FindEmotionWords("go forward ten meters").empty());
}

TEST(Lexicon, PlaceNouns) {
  EXPECT_TRUE(IsPlaceNoun("store"));
  EXPECT_TRUE(IsPlaceNoun("stores"));
  EXPECT_TRUE(IsPlaceNoun("магазина"));
  EXPECT_FALSE(IsPlaceNoun("kitten"));
}

}  // namespace
}  // namespace reflexio
