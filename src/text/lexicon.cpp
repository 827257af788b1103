#include "text/lexicon.h"

#include <map>
#include <set>
#include <sstream>

#include "text/normalize.h"
#include "text/stem.h"
#include "text/text_data.h"

namespace reflexio {

namespace {

struct EmotionEntry {
  std::string emotion;
  double valence = 0;
};

const std::map<std::string, EmotionEntry>& EmotionsByStem() {
  static const std::map<std::string, EmotionEntry> entries = [] {
    std::map<std::string, EmotionEntry> out;
    for (const std::string& line : DataFileLines("lexicon/emotions_")) {
      std::istringstream fields(line);
      std::string word, emotion, valence;
      if (!std::getline(fields, word, '\t') || !std::getline(fields, emotion, '\t') || !std::getline(fields, valence)) {
        continue;
      }
      out[StemWord(NormalizeText(word))] = EmotionEntry{emotion, std::stod(valence)};
    }
    return out;
  }();
  return entries;
}

const std::set<std::string>& PlaceStems() {
  static const std::set<std::string> stems = [] {
    std::set<std::string> out;
    for (const std::string& line : DataFileLines("lexicon/places_")) out.insert(StemWord(NormalizeText(line)));
    return out;
  }();
  return stems;
}

bool IsNegation(const std::string& word) {
  static const std::set<std::string> negations = {"not", "never", "no", "don't", "isn't", "wasn't", "didn't",
                                                  "не", "нет", "ни", "никогда"};
  return negations.count(word) > 0;
}

}  // namespace

std::vector<EmotionWord> FindEmotionWords(std::string_view text) {
  std::vector<EmotionWord> found;
  std::vector<std::string> words = NormalizedWords(text);
  for (size_t i = 0; i < words.size(); ++i) {
    auto it = EmotionsByStem().find(StemWord(words[i]));
    if (it == EmotionsByStem().end()) continue;
    EmotionWord hit{words[i], it->second.emotion, it->second.valence, false};
    for (size_t back = 1; back <= 2 && back <= i; ++back) {
      if (IsNegation(words[i - back])) hit.negated = true;
    }
    if (hit.negated) hit.valence = -hit.valence / 2;
    found.push_back(std::move(hit));
  }
  return found;
}

bool IsPlaceNoun(std::string_view normalized_word) { return PlaceStems().count(StemWord(normalized_word)) > 0; }

}  // namespace reflexio
