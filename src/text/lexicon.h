// Lexicons the embedded understanding reads: emotion words with their valence
// (lexicon/emotions_{en,ru}.txt) and nouns that name a kind of place (lexicon/places_{en,ru}.txt).
// Words are matched by Snowball stem, so inflections count. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflexio {

struct EmotionWord {
  std::string word;     // as it appears (normalised)
  std::string emotion;  // joy, gratitude, love, surprise, sadness, anger, fear, disgust, stress
  double valence = 0;   // -1 … 1; negated ("not happy") words have it flipped and halved
  bool negated = false;
};

// Emotion words of `text` in order. A negation (not, never, no, не, нет, ни) up to two words
// before a word turns it around.
std::vector<EmotionWord> FindEmotionWords(std::string_view text);

bool IsPlaceNoun(std::string_view normalized_word);

}  // namespace reflexio
