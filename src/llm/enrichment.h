// What understanding takes in and gives back, whichever provider does the work.
//
// An EpisodeTranscript is one conversation's usable utterances (the quality gate's trusted and
// uncertain segments) in capture order. Providers point at them by index ("evidence"), never by
// quoting freely, so every finding can be traced to the words and the audio that support it.
// A Finding's confidence (model/insight_body.h) says what it rests on. Plain data.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "model/insight_body.h"

namespace reflexio {

struct Utterance {
  std::string recording_id;
  int seq = 0;
  TimePoint captured_at{};  // capture time of the segment's first sample
  double start_s = 0;       // position inside the recording
  double end_s = 0;
  std::string text;
  std::string quality = "trusted";  // trusted | uncertain
  double asr_confidence = 0;        // mean word confidence of the recogniser, 0 … 1
};

struct EpisodeTranscript {
  std::string tenant_id;
  std::string episode_id;
  std::vector<Utterance> utterances;
  int utc_offset_minutes = 0;  // the person's zone, for "tomorrow"
  // What core memory already knows about the person, as prompt text; empty when nothing.
  std::string memory_context;
};

struct Finding {
  InsightKind kind = InsightKind::kSummary;  // summary, topic, person, place, preference, action, emotion
  std::string text;
  std::vector<int> evidence;  // utterance indexes, ascending
  Confidence confidence;
  // Per kind: action {who, what, commitment, due_date, due_time, due_phrase};
  // person {relation}; emotion {valence, emotions{name: count}}; summary {entity_density}.
  nlohmann::json fields = nlohmann::json::object();
};

struct Enrichment {
  std::vector<Finding> findings;
  std::string urgency = "low";  // low | medium | high
  Method method;
  std::vector<std::string> notes;  // what the reader should know: fallbacks, uncertain segments used
};

}  // namespace reflexio
