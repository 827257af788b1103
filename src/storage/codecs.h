// How every backend stores the few structured fields of a row as text. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "model/transcript.h"

namespace reflexio {

// A segment's quality reasons: comma-separated codes.
std::string JoinReasons(const std::vector<std::string>& reasons);
std::vector<std::string> SplitReasons(const std::string& text);

// A segment's words: a JSON array of [word, start, end, confidence].
std::string WordsToJson(const std::vector<TranscriptWord>& words);
std::vector<TranscriptWord> WordsFromJson(const std::string& text);  // malformed: no words

// A list of strings (a delivery's messages and message ids).
std::string StringsToJson(const std::vector<std::string>& strings);
std::vector<std::string> StringsFromJson(const std::string& text);  // malformed: none

}  // namespace reflexio
