// What was said in a recording: segments with their words and times, and how search finds them.
// Plain values; copy freely across threads.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"

namespace reflexio {

struct TranscriptWord {
  std::string word;
  double start_s = 0;  // seconds from the start of the recording
  double end_s = 0;
  double confidence = 0;
};

struct Segment {
  int seq = 0;
  double start_s = 0;
  double end_s = 0;
  TimePoint captured_at{};
  std::string text;
  std::vector<TranscriptWord> words;
  std::string engine;
  std::string language;
  // What the full-text index holds for this segment: space-separated tokens (the blind index's
  // keyed hashes, never words). Search matches its terms against these tokens exactly.
  std::string index_terms;
  // The quality gate's verdict (text/quality_gate.h): trusted | uncertain | garbage, with reasons.
  std::string quality = "trusted";
  std::vector<std::string> quality_reasons;
  // How it was said (audio/prosody.h) as JSON; voice features are personal data, so they are
  // kept only sealed with the text (privacy/sealed_stores.h) — a bare backend does not store them.
  std::string prosody_json;
};

struct Transcription {
  double duration_s = 0;
  double speech_s = 0;
  std::string audio_path;
  std::string engine;
  std::string language;
  std::vector<Segment> segments;
};

struct SearchHit {
  std::string recording_id;
  Segment segment;
  std::string snippet;  // matched words wrapped in <mark>…</mark>; built by whoever can read the text
  double score = 0;     // higher is better
};

}  // namespace reflexio
