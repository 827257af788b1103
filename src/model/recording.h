// A recording as received and processed, and the job that turns it into a transcript.
// Plain values; copy freely across threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace reflexio {

enum class RecordingStatus { kQueued, kProcessing, kTranscribed, kFailed };
const char* ToString(RecordingStatus status);
RecordingStatus ParseRecordingStatus(const std::string& text);  // unknown text: kQueued

struct Recording {
  std::string tenant_id;
  std::string id;
  RecordingStatus status = RecordingStatus::kQueued;
  std::string error;
  std::string content_type;
  int64_t original_bytes = 0;
  std::string body_sha256;
  std::optional<std::string> idempotency_key;
  TimePoint captured_at{};
  TimePoint received_at{};
  TimePoint updated_at{};
  std::optional<double> duration_s;
  std::optional<double> speech_s;
  std::string source_path;  // the upload as received, until processed
  std::string audio_path;   // the stored Ogg/Opus, relative to the data directory
  std::string engine;
  std::string language;
};

struct InsertOutcome {
  Recording recording;
  bool replayed = false;  // an earlier upload with the same Idempotency-Key was returned
};

struct Job {
  int64_t id = 0;
  std::string tenant_id;
  std::string recording_id;
  std::string kind;
  int attempts = 0;
  int max_attempts = 0;
  std::string lease_owner;
  bool lease_expired = false;  // claimed from a worker whose lease ran out (it died or hung)
};

// Across all tenants, counts only (for /health and metrics).
struct QueueStats {
  int64_t queued = 0;
  int64_t running = 0;
  int64_t dead = 0;
  double oldest_queued_age_s = 0;
};

}  // namespace reflexio
