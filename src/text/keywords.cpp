#include "text/keywords.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

#include "text/normalize.h"
#include "text/stem.h"
#include "text/text_data.h"

namespace reflexio {

namespace {

const std::unordered_set<std::string>& StopWords() {
  static const std::unordered_set<std::string> words = [] {
    std::unordered_set<std::string> out;
    for (const std::string& line : DataFileLines("lexicon/stopwords_")) out.insert(NormalizeText(line));
    return out;
  }();
  return words;
}

}  // namespace

bool IsStopWord(std::string_view normalized_word) { return StopWords().count(std::string(normalized_word)) > 0; }

std::vector<std::string> ContentWords(std::string_view text) {
  std::vector<std::string> out;
  for (std::string& word : NormalizedWords(text)) {
    if (CodePointCount(word) < 3 || IsStopWord(word)) continue;
    if (std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c) || c == '\''; })) continue;
    out.push_back(std::move(word));
  }
  return out;
}

std::vector<Keyword> ExtractKeywords(const std::vector<std::string>& passages, size_t max) {
  std::map<std::string, Keyword> by_stem;
  std::map<std::string, std::map<std::string, int>> spellings;
  for (size_t p = 0; p < passages.size(); ++p) {
    for (const std::string& word : ContentWords(passages[p])) {
      std::string stem = StemWord(word);
      Keyword& k = by_stem[stem];
      k.stem = stem;
      ++k.count;
      if (k.passages.empty() || k.passages.back() != static_cast<int>(p)) k.passages.push_back(static_cast<int>(p));
      ++spellings[stem][word];
    }
  }
  std::vector<Keyword> out;
  for (auto& [stem, k] : by_stem) {
    // In a long conversation a word said once is noise; in a short one it may be all there is.
    if (k.count < 2 && passages.size() > 6) continue;
    int best = 0;
    for (const auto& [spelling, n] : spellings[stem]) {
      if (n > best) best = n, k.word = spelling;
    }
    k.score = k.count + 0.5 * (static_cast<double>(k.passages.size()) - 1) + 0.05 * std::min<size_t>(CodePointCount(k.word), 12);
    out.push_back(std::move(k));
  }
  std::sort(out.begin(), out.end(), [](const Keyword& a, const Keyword& b) {
    return a.score != b.score ? a.score > b.score : a.word < b.word;
  });
  if (out.size() > max) out.resize(max);
  return out;
}

}  // namespace reflexio
