// Quality gate after ASR: is a transcribed segment something a person said?
//
// Each segment gets a state — trusted, uncertain or garbage — and the reason codes behind it:
//   empty               no words at all                                   → garbage
//   filler_only         only fillers ("uh", "um", "э", "ну", …)          → garbage
//   repetition_loop     one phrase repeated over and over (a decoder loop) → garbage
//   hallucination       the whole text is a known phrase recognisers invent
//                       from silence or TV sound (data files, en + ru)    → garbage
//   too_fast            more characters per second than speech allows     → garbage
//   contains_hallucination  such a phrase (3+ words) inside longer text    → uncertain
//   near_duplicate      nearly the same words as a recent neighbour        → uncertain
//   too_slow            long audio with almost no words                    → uncertain
//   low_confidence      the engine's mean word confidence is low           → uncertain
// Later stages use trusted segments and say when they had to use uncertain ones. Pure and
// thread-safe once constructed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflexio {

enum class SegmentState { kTrusted, kUncertain, kGarbage };
const char* ToString(SegmentState state);  // trusted | uncertain | garbage
SegmentState ParseSegmentState(std::string_view text);  // unknown: trusted

struct QualityVerdict {
  SegmentState state = SegmentState::kTrusted;
  std::vector<std::string> reasons;
};

struct SegmentForQuality {
  std::string text;
  double duration_s = 0;
  std::vector<double> word_confidences;  // empty: the engine gave none
};

struct QualityThresholds {
  double max_chars_per_second = 30;    // fast speech is ~20
  double min_chars_per_second = 1.0;   // below this over min_slow_duration_s: mostly missed
  double min_slow_duration_s = 8;
  double min_mean_confidence = 0.45;
  double near_duplicate_jaccard = 0.85;
  int loop_min_repeats = 4;            // a phrase said this many times in a row
};

class QualityGate {
 public:
  explicit QualityGate(QualityThresholds thresholds = {});
  // `recent`: texts of the segments just before this one (same person, capture order).
  QualityVerdict Assess(const SegmentForQuality& segment, const std::vector<std::string>& recent) const;

 private:
  QualityThresholds thresholds_;
  std::vector<std::string> phrases_;  // normalised, from the built-in data files
};

// The built-in hallucination phrase lists (English and Russian), normalised.
const std::vector<std::string>& HallucinationPhrases();

}  // namespace reflexio
