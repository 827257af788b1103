#include "model/insight_body.h"

#include <type_traits>

#include "model/json.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// Sets `out` from j[key] when it is there and converts; otherwise `out` keeps its default.
template <typename T>
void Read(const json& j, const char* key, T& out) {
  if (!j.is_object()) return;
  auto it = j.find(key);
  if (it == j.end() || (it->is_null() && !IsOptional<T>::value)) return;
  try {
    out = it->template get<T>();
  } catch (const json::exception&) {
  }
}

// Evidence entries that are readable; others are skipped.
std::vector<Evidence> ReadEvidence(const json& j) {
  std::vector<Evidence> out;
  if (!j.is_object() || !j.contains("evidence") || !j["evidence"].is_array()) return out;
  for (const json& e : j["evidence"]) {
    if (!e.is_object() || !e.value("recording_id", json()).is_string()) continue;
    out.push_back(e.get<Evidence>());
  }
  return out;
}

template <typename T>
T ParsedOr(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return T{};
  try {
    return j.get<T>();
  } catch (const json::exception&) {
    return T{};
  }
}

}  // namespace

void to_json(json& j, const Evidence& e) {
  j = {{"episode_id", e.episode_id}, {"recording_id", e.recording_id}, {"seq", e.seq},
       {"start_s", e.start_s},       {"end_s", e.end_s},               {"captured_at", e.captured_at}};
}
void from_json(const json& j, Evidence& e) {
  Read(j, "episode_id", e.episode_id);
  Read(j, "recording_id", e.recording_id);
  Read(j, "seq", e.seq);
  Read(j, "start_s", e.start_s);
  Read(j, "end_s", e.end_s);
  Read(j, "captured_at", e.captured_at);
}

void to_json(json& j, const Confidence& c) { j = {{"value", c.value}, {"basis", c.basis}, {"detail", c.detail}}; }
void from_json(const json& j, Confidence& c) {
  Read(j, "value", c.value);
  Read(j, "basis", c.basis);
  Read(j, "detail", c.detail);
}

void to_json(json& j, const Method& m) {
  j = {{"provider", m.provider}, {"model", m.model}, {"prompt_version", m.prompt_version}, {"steps", m.steps}};
}
void from_json(const json& j, Method& m) {
  Read(j, "provider", m.provider);
  Read(j, "model", m.model);
  Read(j, "prompt_version", m.prompt_version);
  Read(j, "steps", m.steps);
}

void to_json(json& j, const EpisodeInsightBody& b) {
  j = {{"text", b.text}, {"fields", b.fields}, {"confidence", b.confidence}, {"evidence", b.evidence},
       {"method", b.method}};
}
void from_json(const json& j, EpisodeInsightBody& b) {
  Read(j, "text", b.text);
  Read(j, "fields", b.fields);
  if (!b.fields.is_object()) b.fields = json::object();
  Read(j, "confidence", b.confidence);
  b.evidence = ReadEvidence(j);
  Read(j, "method", b.method);
}

void to_json(json& j, const ActionFields& f) {
  j = {{"who", f.who}, {"what", f.what}, {"commitment", f.commitment}};
  if (f.due_date) j["due_date"] = *f.due_date;
  if (f.due_time) j["due_time"] = *f.due_time;
  if (f.due_phrase) j["due_phrase"] = *f.due_phrase;
}
void from_json(const json& j, ActionFields& f) {
  Read(j, "who", f.who);
  Read(j, "what", f.what);
  Read(j, "commitment", f.commitment);
  Read(j, "due_date", f.due_date);
  Read(j, "due_time", f.due_time);
  Read(j, "due_phrase", f.due_phrase);
}

void to_json(json& j, const PersonFields& f) { j = {{"relation", f.relation}}; }
void from_json(const json& j, PersonFields& f) { Read(j, "relation", f.relation); }
void to_json(json& j, const PreferenceFields& f) { j = {{"polarity", f.polarity}}; }
void from_json(const json& j, PreferenceFields& f) { Read(j, "polarity", f.polarity); }

void to_json(json& j, const EmotionFields& f) {
  json words = {{"valence", f.words.valence}, {"emotions", f.words.emotions}, {"segments", f.words.segments},
                {"confidence", f.words.confidence}};
  if (!f.words.words.empty()) words["words"] = f.words.words;
  json voice = {{"arousal", f.voice.arousal}, {"segments", f.voice.segments}, {"basis", f.voice.basis}};
  if (f.voice.seconds) voice["seconds"] = *f.voice.seconds;
  j = {{"valence", f.valence},
       {"arousal", f.arousal},
       {"quadrant", f.quadrant},
       {"parts", {{"words", std::move(words)}, {"voice", std::move(voice)}}}};
}
void from_json(const json& j, EmotionFields& f) {
  Read(j, "valence", f.valence);
  Read(j, "arousal", f.arousal);
  Read(j, "quadrant", f.quadrant);
  json parts;
  Read(j, "parts", parts);
  json words, voice;
  Read(parts, "words", words);
  Read(parts, "voice", voice);
  Read(words, "valence", f.words.valence);
  Read(words, "emotions", f.words.emotions);
  Read(words, "segments", f.words.segments);
  Read(words, "confidence", f.words.confidence);
  Read(words, "words", f.words.words);
  Read(voice, "arousal", f.voice.arousal);
  Read(voice, "segments", f.voice.segments);
  Read(voice, "seconds", f.voice.seconds);
  Read(voice, "basis", f.voice.basis);
}

void to_json(json& j, const SessionFields& f) {
  j = {{"urgency", f.urgency},
       {"people", f.people},
       {"topics", f.topics},
       {"open_actions", f.open_actions},
       {"notes", f.notes},
       {"segments", f.segments},
       {"tokens",
        {{"transcript", f.tokens.transcript},
         {"memory_context", f.tokens.memory_context},
         {"raw_history", f.tokens.raw_history},
         {"saved", f.tokens.saved},
         {"estimate", f.tokens.estimate}}}};
}
void from_json(const json& j, SessionFields& f) {
  Read(j, "urgency", f.urgency);
  Read(j, "people", f.people);
  Read(j, "topics", f.topics);
  Read(j, "open_actions", f.open_actions);
  Read(j, "notes", f.notes);
  Read(j, "segments", f.segments);
  json tokens;
  Read(j, "tokens", tokens);
  Read(tokens, "transcript", f.tokens.transcript);
  Read(tokens, "memory_context", f.tokens.memory_context);
  Read(tokens, "raw_history", f.tokens.raw_history);
  Read(tokens, "saved", f.tokens.saved);
  Read(tokens, "estimate", f.tokens.estimate);
}

void to_json(json& j, const MemoryEntryBody& b) {
  j = {{"label", b.label},
       {"detail", b.detail},
       {"mentions", b.mentions},
       {"episodes", b.episodes},
       {"evidence", b.evidence},
       {"learned_from", b.learned_from},
       {"edited_by_person", b.edited_by_person},
       {"method", b.method},
       {"confidence", b.confidence}};
  if (b.first_seen) j["first_seen"] = *b.first_seen;
  if (b.last_seen) j["last_seen"] = *b.last_seen;
}
void from_json(const json& j, MemoryEntryBody& b) {
  Read(j, "label", b.label);
  Read(j, "detail", b.detail);
  Read(j, "mentions", b.mentions);
  Read(j, "episodes", b.episodes);
  b.evidence = ReadEvidence(j);
  Read(j, "learned_from", b.learned_from);
  Read(j, "edited_by_person", b.edited_by_person);
  Read(j, "first_seen", b.first_seen);
  Read(j, "last_seen", b.last_seen);
  Read(j, "method", b.method);
  Read(j, "confidence", b.confidence);
}

EpisodeInsightBody EpisodeBodyOf(const Insight& insight) { return ParsedOr<EpisodeInsightBody>(insight.body); }
MemoryEntryBody MemoryBodyOf(const Insight& insight) { return ParsedOr<MemoryEntryBody>(insight.body); }

}  // namespace reflexio
