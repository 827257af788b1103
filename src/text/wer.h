// Word error rate: Levenshtein alignment over normalised words.
//
// Both texts go through NormalizeText first, so callers pass raw reference and hypothesis.
// WER = (substitutions + deletions + insertions) / reference words. Pure, thread-safe.
#pragma once

#include <string_view>

namespace reflexio {

struct WordErrors {
  int substitutions = 0;
  int deletions = 0;
  int insertions = 0;
  int reference_words = 0;
  int Errors() const { return substitutions + deletions + insertions; }
  double Rate() const { return reference_words == 0 ? (Errors() ? 1.0 : 0.0) : double(Errors()) / reference_words; }
  WordErrors& operator+=(const WordErrors& other);
};

WordErrors ScoreWords(std::string_view reference, std::string_view hypothesis);

}  // namespace reflexio
