#include "text/stem.h"

#include <libstemmer.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include "text/normalize.h"

namespace reflexio {

namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* stemmer) const { sb_stemmer_delete(stemmer); }
};
using Stemmer = std::unique_ptr<sb_stemmer, StemmerDeleter>;

// Cyrillic code points (U+0400–U+04FF) are encoded in UTF-8 as lead bytes 0xD0–0xD3.
bool HasCyrillic(std::string_view word) {
  for (unsigned char c : word) {
    if (c >= 0xD0 && c <= 0xD3) return true;
  }
  return false;
}

bool HasDigit(std::string_view word) {
  for (unsigned char c : word) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

std::string Stem(sb_stemmer* stemmer, std::string_view word) {
  if (stemmer == nullptr) return std::string(word);
  const sb_symbol* stemmed =
      sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  if (stemmed == nullptr) return std::string(word);  // out of memory: the whole word still matches itself
  return std::string(reinterpret_cast<const char*>(stemmed), static_cast<size_t>(sb_stemmer_length(stemmer)));
}

}  // namespace

std::string StemWord(std::string_view normalized_word) {
  // sb_stemmer keeps per-call state, so each thread owns its pair.
  thread_local Stemmer english(sb_stemmer_new("english", "UTF_8"));
  thread_local Stemmer russian(sb_stemmer_new("russian", "UTF_8"));
  if (normalized_word.empty() || HasDigit(normalized_word)) return std::string(normalized_word);
  return Stem(HasCyrillic(normalized_word) ? russian.get() : english.get(), normalized_word);
}

std::vector<std::string> SearchStems(std::string_view text) {
  std::vector<std::string> stems;
  for (const std::string& word : NormalizedWords(text)) stems.push_back(StemWord(word));
  return stems;
}

std::string MarkStems(std::string_view text, const std::vector<std::string>& stems, size_t window) {
  std::vector<std::string> chunks;
  std::istringstream in{std::string(text)};
  for (std::string chunk; in >> chunk;) chunks.push_back(chunk);
  std::vector<bool> matches(chunks.size(), false);
  size_t first = chunks.size();
  for (size_t i = 0; i < chunks.size(); ++i) {
    for (const std::string& stem : SearchStems(chunks[i])) {
      if (std::find(stems.begin(), stems.end(), stem) != stems.end()) matches[i] = true;
    }
    if (matches[i] && first == chunks.size()) first = i;
  }
  if (first == chunks.size()) first = 0;
  size_t begin = first > window / 4 ? first - window / 4 : 0;
  size_t end = std::min(chunks.size(), begin + window);
  std::string snippet = begin > 0 ? "…" : "";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) snippet += ' ';
    snippet += matches[i] ? "<mark>" + EscapeHtml(chunks[i]) + "</mark>" : EscapeHtml(chunks[i]);
  }
  if (end < chunks.size()) snippet += "…";
  return snippet;
}

}  // namespace reflexio
