#include <gtest/gtest.h>

#include "text/normalize.h"
#include "text/wer.h"

namespace reflexio {
namespace {

TEST(Normalize, FollowsTheSpeechDataRule) {
  EXPECT_EQ(NormalizeText("Forty-two, he's HERE!"), "forty two he's here");
  EXPECT_EQ(NormalizeText("'quoted' words"), "quoted words");
  EXPECT_EQ(NormalizeText("Kate’s cat"), "kate's cat");
  EXPECT_EQ(NormalizeText("  many   spaces\t\n"), "many spaces");
  EXPECT_EQ(NormalizeText("Привет, МИР — 2026!"), "привет мир 2026");
  EXPECT_EQ(NormalizeText(""), "");
}

TEST(Wer, CountsEachKindOfError) {
  auto same = ScoreWords("the cat sat", "The cat, sat.");
  EXPECT_EQ(same.Errors(), 0);
  EXPECT_EQ(same.reference_words, 3);
  auto sub = ScoreWords("the cat sat", "the bat sat");
  EXPECT_EQ(sub.substitutions, 1);
  auto del = ScoreWords("the cat sat down", "the sat down");
  EXPECT_EQ(del.deletions, 1);
  auto ins = ScoreWords("the cat", "the big cat");
  EXPECT_EQ(ins.insertions, 1);
  EXPECT_DOUBLE_EQ(ins.Rate(), 0.5);
}

TEST(Wer, EmptyHypothesisIsAllDeletions) {
  auto errors = ScoreWords("go forward ten meters", "");
  EXPECT_EQ(errors.deletions, 4);
  EXPECT_DOUBLE_EQ(errors.Rate(), 1.0);
}

TEST(Wer, Accumulates) {
  WordErrors total;
  total += ScoreWords("a b", "a c");
  total += ScoreWords("d e f", "d e f");
  EXPECT_EQ(total.reference_words, 5);
  EXPECT_DOUBLE_EQ(total.Rate(), 0.2);
}

}  // namespace
}  // namespace reflexio
