// Search stems: the form in which a word enters the search index and a query meets it.
//
// A text is normalised (NormalizeText) and split into words; each word is reduced by the
// Snowball stemmer of its script — Russian for words with Cyrillic letters, English otherwise —
// so "recorded" finds "recording" and "встречи" finds "встреча". Words with digits are kept
// whole. Pure functions, thread-safe (each thread keeps its own stemmers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflexio {

// One already-normalised word.
std::string StemWord(std::string_view normalized_word);
// Every word of `text`, in order, stemmed (duplicates kept).
std::vector<std::string> SearchStems(std::string_view text);

// A search snippet: HTML-escaped `text` around its first matching word, at most `window`
// words, each word whose stem is in `stems` wrapped in <mark>…</mark>, "…" where cut.
std::string MarkStems(std::string_view text, const std::vector<std::string>& stems, size_t window = 24);

}  // namespace reflexio
