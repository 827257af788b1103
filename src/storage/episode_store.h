// EpisodeStore: how segments group into conversations, and which of those understanding still
// has to read. Holds times and counts only (the words are TranscriptStore's). Every call names
// its tenant and sees only that tenant's rows. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/episode.h"
#include "model/page.h"

namespace reflexio {

class EpisodeStore {
 public:
  virtual ~EpisodeStore() = default;

  virtual Result<std::vector<UnassignedSegment>> ListUnassignedSegments(const std::string& tenant_id, int limit) = 0;
  // Inserts or updates `episode` and puts `segments` in it, in one transaction.
  virtual Status AssignToEpisode(const Episode& episode, const std::vector<UnassignedSegment>& segments) = 0;
  // Open episodes quiet since `cutoff`: they ended before it in capture time, and nothing joined
  // them after it in arrival time (so a backlog of late uploads still groups).
  virtual Result<std::vector<Episode>> ListOpenEpisodesQuietSince(const std::string& tenant_id, TimePoint cutoff) = 0;
  // The capture time of the tenant's earliest recording still queued or processing, if any: its
  // segments may yet belong to an episode that looks quiet.
  virtual Result<std::optional<TimePoint>> EarliestUnfinishedCapture(const std::string& tenant_id) = 0;
  virtual Status CloseEpisode(const std::string& tenant_id, const std::string& episode_id, TimePoint closed_at) = 0;
  // Newest first, optionally only those overlapping `range`.
  virtual Result<Page<Episode>> ListEpisodes(const std::string& tenant_id, const TimeRange& range, int limit,
                                             const std::string& cursor) = 0;
  virtual Result<std::optional<Episode>> GetEpisode(const std::string& tenant_id, const std::string& id) = 0;
  // Closed episodes not yet enriched, oldest first.
  virtual Result<std::vector<Episode>> ListEpisodesToEnrich(const std::string& tenant_id, int limit) = 0;
};

}  // namespace reflexio
