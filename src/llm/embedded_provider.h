// EmbeddedProvider: understanding with no network and no model — rules and word lists in both
// languages (text/keywords.h, text/lexicon.h, text/dates.h).
//
//  - summary: extractive; utterances ranked by the episode's keywords they carry (length-
//    normalised), the best quarter (1–3) kept in spoken order;
//  - topics: the episode's keywords (stop words out, grouped by stem);
//  - people: words after "call / ask / tell / meet / with …", titles ("captain frere"),
//    kinship ("my sister anna"), possessives ("kate's"), capitalised words when the text has case;
//  - places: place nouns after "at / to / from / in (the)", "в / из / на";
//  - preferences: what the speaker says they like or dislike ("i love jazz", "я не люблю кофе");
//  - action items: requests ("please …", imperatives, "don't forget to"), commitments ("i'll …",
//    "we need to …", "я позвоню"), with due dates resolved against the utterance's capture time;
//  - emotions: the lexicon's valence and named emotions, negation-aware.
//
// Trusted utterances are used; when an episode has none, the uncertain ones are, and a note
// says so. Each finding's confidence is the recogniser's word confidence over its evidence
// (basis asr_word_confidence). Stateless and thread-safe.
#pragma once

#include "llm/provider.h"

namespace reflexio {

class EmbeddedProvider : public Provider {
 public:
  static constexpr const char* kModel = "rules-v1";
  std::string Name() const override { return "embedded"; }
  bool IsLocal() const override { return true; }
  Result<Enrichment> Enrich(const EpisodeTranscript& episode) override;
};

// The utterances understanding may use, by the rule above; `out` notes when uncertain ones had
// to stand in, or when nothing usable was said (then the answer is empty).
std::vector<int> UsableUtterances(const EpisodeTranscript& episode, Enrichment& out);

// Distinct content words of `summary` that also occur in `source`, per word of the summary: how
// much of what was said a summary carries (chain of density keeps the densest).
double EntityDensity(const std::string& summary, const std::string& source);

// Mean recogniser confidence over `evidence`.
Confidence AsrConfidence(const EpisodeTranscript& episode, const std::vector<int>& evidence);

// The people and places named in one utterance (normalised words, display-ready), shared with
// the chat provider's verification.
struct Mentions {
  std::vector<std::pair<std::string, std::string>> people;  // name, relation ("" when not said)
  std::vector<std::string> places;
};
Mentions FindMentions(const std::string& text);

}  // namespace reflexio
