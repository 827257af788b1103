// What an insight says, as stored in Insight::body: an EpisodeInsightBody for what understanding
// concluded about one conversation, a MemoryEntryBody for an entry of core memory. Each kind's own
// fields are a struct too (ActionFields, EmotionFields, …). Every struct here has one JSON
// conversion — nlohmann's to_json/from_json beside it — and reading is lenient: a member missing
// from stored JSON keeps its default, so bodies written by earlier versions still read.
// Plain values; copy freely across threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "model/insight.h"

namespace reflexio {

// A moment a conclusion rests on: a segment of a recording.
struct Evidence {
  std::string episode_id;
  std::string recording_id;
  int seq = 0;
  double start_s = 0;  // inside the recording
  double end_s = 0;
  TimePoint captured_at{};  // of the segment's first sample
};

// How sure a conclusion is, and what that rests on; a provider that cannot measure it says
// "unknown" rather than inventing a number.
struct Confidence {
  std::optional<double> value;    // on the basis's scale: 0 … 1, or DeepConf's (0 and up, not a probability)
  std::string basis = "unknown";  // deepconf | asr_word_confidence | repetition | unknown
  nlohmann::json detail = nlohmann::json::object();  // the measurement behind it, by basis
  static Confidence Unknown() { return Confidence{}; }
};

struct Method {
  std::string provider;        // embedded | chat
  std::string model;           // "rules-v1" or the remote model's name
  std::string prompt_version;  // "none" for the embedded rules
  std::vector<std::string> steps;  // what was run: chain_of_density, extraction, repair, critic, refiner
};

// An episode's insight of any kind. `fields` holds the kind's own fields: ActionFields,
// EmotionFields, SessionFields, PersonFields, PreferenceFields; a summary from a chat model
// {entity_density, round, densities}; topics and places none.
struct EpisodeInsightBody {
  std::string text;
  nlohmann::json fields = nlohmann::json::object();
  Confidence confidence;
  std::vector<Evidence> evidence;
  Method method;
};

struct ActionFields {
  std::string who;   // me | we | a name | "" when not said
  std::string what;
  bool commitment = false;  // the speaker promised it
  std::optional<std::string> due_date;  // YYYY-MM-DD, resolved by the server
  std::optional<std::string> due_time;  // HH:MM
  std::optional<std::string> due_phrase;  // the words that said when
};

struct PersonFields {
  std::string relation;  // sister, boss, … or ""
};

struct PreferenceFields {
  std::string polarity;  // likes | dislikes
};

// Emotion from the words and from the voice, both parts kept.
struct EmotionFields {
  struct Words {
    double valence = 0;
    std::map<std::string, int> emotions;  // name → how often
    size_t segments = 0;
    Confidence confidence;
    std::vector<std::string> words;  // the emotion words heard ("not happy" when negated)
  };
  struct Voice {
    std::optional<double> arousal;   // 0 … 1, weighted by segment length; unset without prosody
    size_t segments = 0;
    std::optional<double> seconds;
    std::string basis = "no prosody";  // prosody | no prosody
  };
  double valence = 0;              // -1 … 1, from the words
  std::optional<double> arousal;   // from the voice
  std::string quadrant = "neutral";  // excited | content | tense | low | neutral
  Words words;
  Voice voice;
};

// What session memory keeps of a conversation, and what sending it instead of the history saves.
struct SessionFields {
  struct Tokens {
    int64_t transcript = 0;
    int64_t memory_context = 0;
    int64_t raw_history = 0;
    int64_t saved = 0;
    std::string estimate = "utf8_bytes_div_4";
  };
  std::string urgency = "low";  // low | medium | high
  std::vector<std::string> people, topics, open_actions, notes;
  size_t segments = 0;
  Tokens tokens;
};

// An entry of core memory: one thing however often it is said.
struct MemoryEntryBody {
  std::string label;
  std::map<std::string, std::string> detail;  // relation, due_date, polarity … as text
  int mentions = 0;
  std::vector<std::string> episodes;      // the conversations it came from
  std::vector<Evidence> evidence;         // the latest, at most CoreMemory::kMaxEvidence
  std::vector<std::string> learned_from;  // ids of the episode insights it was learned from
  bool edited_by_person = false;
  std::optional<TimePoint> first_seen, last_seen;  // capture times
  Method method;
  Confidence confidence;
};

void to_json(nlohmann::json& j, const Evidence& e);
void from_json(const nlohmann::json& j, Evidence& e);
void to_json(nlohmann::json& j, const Confidence& c);
void from_json(const nlohmann::json& j, Confidence& c);
void to_json(nlohmann::json& j, const Method& m);
void from_json(const nlohmann::json& j, Method& m);
void to_json(nlohmann::json& j, const EpisodeInsightBody& b);
void from_json(const nlohmann::json& j, EpisodeInsightBody& b);
void to_json(nlohmann::json& j, const ActionFields& f);
void from_json(const nlohmann::json& j, ActionFields& f);
void to_json(nlohmann::json& j, const PersonFields& f);
void from_json(const nlohmann::json& j, PersonFields& f);
void to_json(nlohmann::json& j, const PreferenceFields& f);
void from_json(const nlohmann::json& j, PreferenceFields& f);
void to_json(nlohmann::json& j, const EmotionFields& f);
void from_json(const nlohmann::json& j, EmotionFields& f);
void to_json(nlohmann::json& j, const SessionFields& f);
void from_json(const nlohmann::json& j, SessionFields& f);
void to_json(nlohmann::json& j, const MemoryEntryBody& b);
void from_json(const nlohmann::json& j, MemoryEntryBody& b);

// An insight's body read from its stored JSON; defaults where it is not readable (never throws).
EpisodeInsightBody EpisodeBodyOf(const Insight& insight);
MemoryEntryBody MemoryBodyOf(const Insight& insight);
// A kind's fields read from a body's `fields`; defaults where they are not readable.
template <typename Fields>
Fields FieldsOf(const EpisodeInsightBody& body) {
  try {
    return body.fields.get<Fields>();
  } catch (const nlohmann::json::exception&) {
    return Fields{};
  }
}

}  // namespace reflexio
