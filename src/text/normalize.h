// Text normalisation shared by the WER scorer, search queries and ASR output cleanup, and the
// small text helpers around it.
//
// NormalizeText implements the rule in shared/data/speech/README.md: Unicode lower case (NFC);
// every character that is not a letter, digit, apostrophe or space becomes a space; apostrophes
// survive only inside a word; runs of spaces collapse. Works for English and Russian alike.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflexio {

std::string NormalizeText(std::string_view utf8);
std::vector<std::string> NormalizedWords(std::string_view utf8);
// words[from, to) joined by single spaces (clipped to the words there are).
std::string JoinWords(const std::vector<std::string>& words, size_t from, size_t to);
// Unicode code points in UTF-8 text (letters, not bytes: "ёж" is 2).
size_t CodePointCount(std::string_view utf8);
// &, <, > and " as HTML entities (search snippets, Telegram's HTML parse mode).
std::string EscapeHtml(std::string_view text);

}  // namespace reflexio
