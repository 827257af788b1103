// Conversations: segments whose capture times follow each other with short gaps.
// Plain values; copy freely across threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "model/transcript.h"

namespace reflexio {

enum class EpisodeState { kOpen, kClosed };

struct Episode {
  std::string tenant_id;
  std::string id;
  TimePoint started_at{};  // capture time of its first word
  TimePoint ended_at{};    // capture time of the end of its last segment
  EpisodeState state = EpisodeState::kOpen;
  int64_t segments = 0;
  std::optional<TimePoint> closed_at;
  std::optional<TimePoint> enriched_at;  // when understanding last finished with it
};

// A segment of an episode, with the recording it belongs to.
struct EpisodeSegment {
  std::string recording_id;
  Segment segment;
};

// A segment not yet in an episode (garbage ones are never listed).
struct UnassignedSegment {
  std::string recording_id;
  int seq = 0;
  TimePoint captured_at{};
  double duration_s = 0;
};

}  // namespace reflexio
