#include "text/quality_gate.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "text/normalize.h"
#include "text/text_data.h"

namespace reflexio {

namespace {

const std::set<std::string>& Fillers() {
  static const std::set<std::string> fillers = {"uh", "um", "umm", "uhm", "er", "erm", "ah", "hmm", "hm", "mm",
                                                "mhm", "oh", "eh", "э", "ээ", "эм", "ну", "ага", "угу", "мм",
                                                "хм", "а", "ой"};
  return fillers;
}

// True when some phrase of 1–6 words repeats `min_repeats` times back to back.
bool HasLoop(const std::vector<std::string>& words, int min_repeats) {
  for (size_t length = 1; length <= 6; ++length) {
    for (size_t start = 0; start + length * min_repeats <= words.size(); ++start) {
      int repeats = 1;
      for (size_t next = start + length; next + length <= words.size(); next += length) {
        if (!std::equal(words.begin() + start, words.begin() + start + length, words.begin() + next)) break;
        if (++repeats >= min_repeats) return true;
      }
    }
  }
  return false;
}

double Jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  if (sa.empty() || sb.empty()) return 0;
  size_t common = 0;
  for (const auto& w : sa) common += sb.count(w);
  return double(common) / double(sa.size() + sb.size() - common);
}

}  // namespace

const char* ToString(SegmentState state) {
  switch (state) {
    case SegmentState::kTrusted: return "trusted";
    case SegmentState::kUncertain: return "uncertain";
    case SegmentState::kGarbage: return "garbage";
  }
  return "trusted";
}

SegmentState ParseSegmentState(std::string_view text) {
  if (text == "uncertain") return SegmentState::kUncertain;
  if (text == "garbage") return SegmentState::kGarbage;
  return SegmentState::kTrusted;
}

const std::vector<std::string>& HallucinationPhrases() {
  static const std::vector<std::string> phrases = [] {
    std::vector<std::string> out;
    for (const std::string& line : DataFileLines("quality/hallucinations_")) {
      std::string phrase = NormalizeText(line);
      if (!phrase.empty()) out.push_back(phrase);
    }
    return out;
  }();
  return phrases;
}

QualityGate::QualityGate(QualityThresholds thresholds) : thresholds_(thresholds), phrases_(HallucinationPhrases()) {}

QualityVerdict QualityGate::Assess(const SegmentForQuality& segment, const std::vector<std::string>& recent) const {
  QualityVerdict verdict;
  auto flag = [&](SegmentState state, const char* reason) {
    verdict.reasons.push_back(reason);
    verdict.state = std::max(verdict.state, state);
  };
  std::string normalized = NormalizeText(segment.text);
  std::vector<std::string> words = NormalizedWords(normalized);
  if (words.empty()) {
    flag(SegmentState::kGarbage, "empty");
    return verdict;
  }
  if (std::all_of(words.begin(), words.end(), [](const std::string& w) { return Fillers().count(w) > 0; })) {
    flag(SegmentState::kGarbage, "filler_only");
  }
  if (HasLoop(words, thresholds_.loop_min_repeats)) flag(SegmentState::kGarbage, "repetition_loop");
  bool whole_phrase = false, contains_phrase = false;
  for (const auto& phrase : phrases_) {
    if (normalized == phrase) whole_phrase = true;
    bool long_phrase = std::count(phrase.begin(), phrase.end(), ' ') >= 2;
    if (long_phrase && (" " + normalized + " ").find(" " + phrase + " ") != std::string::npos) contains_phrase = true;
  }
  if (whole_phrase) flag(SegmentState::kGarbage, "hallucination");
  else if (contains_phrase) flag(SegmentState::kUncertain, "contains_hallucination");
  if (segment.duration_s > 0) {
    double chars = 0;
    for (const auto& w : words) chars += static_cast<double>(CodePointCount(w));
    double per_second = chars / segment.duration_s;
    if (per_second > thresholds_.max_chars_per_second) flag(SegmentState::kGarbage, "too_fast");
    if (segment.duration_s >= thresholds_.min_slow_duration_s && per_second < thresholds_.min_chars_per_second) {
      flag(SegmentState::kUncertain, "too_slow");
    }
  }
  for (const auto& previous : recent) {
    std::vector<std::string> earlier = NormalizedWords(previous);
    if (words.size() >= 4 && earlier.size() >= 4 && Jaccard(words, earlier) >= thresholds_.near_duplicate_jaccard) {
      flag(SegmentState::kUncertain, "near_duplicate");
      break;
    }
  }
  if (!segment.word_confidences.empty()) {
    double sum = 0;
    for (double c : segment.word_confidences) sum += c;
    if (sum / segment.word_confidences.size() < thresholds_.min_mean_confidence) {
      flag(SegmentState::kUncertain, "low_confidence");
    }
  }
  return verdict;
}

}  // namespace reflexio
