#include "text/quality_gate.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/test_support.h"

namespace reflexio {
namespace {

using Reasons = std::vector<std::string>;

QualityVerdict Assess(const std::string& text, double duration_s, std::vector<double> confidences = {},
                      std::vector<std::string> recent = {}) {
  return QualityGate().Assess({text, duration_s, std::move(confidences)}, recent);
}

TEST(QualityGate, OrdinarySpeechIsTrusted) {
  auto v = Assess("we should book the flight to berlin before friday", 3.5, {0.8, 0.9, 0.7});
  EXPECT_EQ(v.state, SegmentState::kTrusted);
  EXPECT_TRUE(v.reasons.empty());
}

TEST(QualityGate, GarbageKinds) {
  EXPECT_EQ(Assess("", 2).reasons, Reasons{"empty"});
  EXPECT_EQ(Assess("  ...  ", 2).reasons, Reasons{"empty"});
  EXPECT_EQ(Assess("uh um hmm", 2).reasons, Reasons{"filler_only"});
  EXPECT_EQ(Assess("ну э угу", 2).reasons, Reasons{"filler_only"});
  auto loop = Assess("thank you so much thank you so much thank you so much thank you so much", 6);
  EXPECT_EQ(loop.state, SegmentState::kGarbage);
  EXPECT_EQ(loop.reasons, Reasons{"repetition_loop"});
  EXPECT_EQ(Assess("the the the the the", 3).reasons, Reasons{"repetition_loop"});
  EXPECT_EQ(Assess("Thanks for watching!", 2).reasons, Reasons{"hallucination"});
  EXPECT_EQ(Assess("Продолжение следует...", 2).reasons, Reasons{"hallucination"});
  EXPECT_EQ(Assess("Редактор субтитров", 2).state, SegmentState::kGarbage);
  EXPECT_EQ(Assess("this is far too many words to say in only half a second of audio", 0.5).reasons,
            Reasons{"too_fast"});
}

TEST(QualityGate, UncertainKinds) {
  auto inside = Assess("and that is all for today thank you for watching the show", 4);
  EXPECT_EQ(inside.state, SegmentState::kUncertain);
  EXPECT_EQ(inside.reasons, Reasons{"contains_hallucination"});
  EXPECT_EQ(Assess("музыка была слишком громкой", 2).state, SegmentState::kTrusted)
      << "a one-word phrase counts only as the whole segment";
  EXPECT_EQ(Assess("yes", 12).reasons, Reasons{"too_slow"});
  EXPECT_EQ(Assess("we will meet at noon", 2, {0.2, 0.3, 0.4, 0.3, 0.2}).reasons, Reasons{"low_confidence"});
  auto dup = Assess("we will meet at noon tomorrow", 2, {}, {"so we will meet at noon tomorrow"});
  EXPECT_EQ(dup.reasons, Reasons{"near_duplicate"});
  EXPECT_EQ(Assess("we will meet at noon tomorrow", 2, {}, {"the weather is lovely in spring"}).state,
            SegmentState::kTrusted);
  auto both = Assess("the the the the the", 3, {0.1});
  EXPECT_EQ(both.state, SegmentState::kGarbage) << "the worst reason decides";
  EXPECT_EQ(both.reasons, (Reasons{"repetition_loop", "low_confidence"}));
}

TEST(QualityGate, TheDevSpeechTranscriptsAreTrusted) {
  int assessed = 0;
  for (const char* language : {"en", "ru"}) {
    std::ifstream in(testing::SpeechDir(language) / "transcripts.tsv");
    std::string line;
    std::getline(in, line);
    std::string previous;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string file, reference, duration;
      std::getline(fields, file, '\t');
      std::getline(fields, reference, '\t');
      std::getline(fields, duration, '\t');
      auto v = QualityGate().Assess({reference, std::stod(duration), {}}, {previous});
      EXPECT_EQ(v.state, SegmentState::kTrusted) << file << ": " << (v.reasons.empty() ? "" : v.reasons[0]);
      previous = reference;
      ++assessed;
    }
  }
  EXPECT_GE(assessed, 25);
}

TEST(QualityGate, BuiltInPhraseListsAreLoadedInBothLanguages) {
  const auto& phrases = HallucinationPhrases();
  EXPECT_NE(std::find(phrases.begin(), phrases.end(), "thank you for watching"), phrases.end());
  EXPECT_NE(std::find(phrases.begin(), phrases.end(), "продолжение следует"), phrases.end());
  for (const auto& p : phrases) EXPECT_NE(p[0], '#') << "comments are skipped";
  EXPECT_EQ(ParseSegmentState(ToString(SegmentState::kUncertain)), SegmentState::kUncertain);
}

}  // namespace
}  // namespace reflexio
