// Keywords: the content words a passage is about, Russian and English alike.
//
// A word counts when it is not a stop word (lexicon/stopwords_{en,ru}.txt), has at least three
// letters and is not a number; words are grouped by their Snowball stem (text/stem.h) so
// "meeting", "meetings" and "meet" are one keyword, shown in its most frequent spelling. Pure
// functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflexio {

bool IsStopWord(std::string_view normalized_word);
// The normalised words of `text` that can carry meaning, in order.
std::vector<std::string> ContentWords(std::string_view text);

struct Keyword {
  std::string stem;
  std::string word;            // the most frequent spelling
  int count = 0;               // occurrences over all passages
  std::vector<int> passages;   // indexes of the passages it occurs in, ascending
  double score = 0;
};

// The `max` best keywords of `passages`, best first: occurrences, with a bonus for recurring
// across passages and for longer (more specific) words. Words seen once in a single passage
// qualify only when the passages are few.
std::vector<Keyword> ExtractKeywords(const std::vector<std::string>& passages, size_t max);

}  // namespace reflexio
