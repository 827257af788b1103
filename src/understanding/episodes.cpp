#include "understanding/episodes.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/ids.h"

namespace reflexio {

namespace {
constexpr int kBatch = 1000;
}

Result<EpisodeReport> EpisodeBuilder::Run() {
  EpisodeReport report;
  ASSIGN_OR_RETURN(auto tenants, stores_.tenants.ListTenants());
  for (const Tenant& tenant : tenants) RETURN_IF_ERROR(RunForTenant(tenant.id, report));
  return report;
}

Status EpisodeBuilder::RunForTenant(const std::string& tenant_id, EpisodeReport& report) {
  // Every open episode is a candidate, not only the latest: recordings are transcribed in
  // parallel, so an earlier conversation's segments may arrive after a later one was opened.
  // (A cutoff far in the future lists every open episode.)
  TimePoint far_future = AddSeconds(clock_.Now(), 100.0 * 365 * 86400);
  ASSIGN_OR_RETURN(std::vector<Episode> open, stores_.episodes.ListOpenEpisodesQuietSince(tenant_id, far_future));
  while (true) {
    ASSIGN_OR_RETURN(auto unassigned, stores_.episodes.ListUnassignedSegments(tenant_id, kBatch));
    if (unassigned.empty()) break;
    std::map<std::string, std::vector<UnassignedSegment>> batches;  // episode id → its new segments
    for (const UnassignedSegment& segment : unassigned) {
      TimePoint end = AddSeconds(segment.captured_at, segment.duration_s);
      Episode* home = nullptr;
      double nearest = 0;
      for (Episode& episode : open) {
        bool fits = ToUnixSeconds(segment.captured_at) - ToUnixSeconds(episode.ended_at) <= gap_s_ &&
                    ToUnixSeconds(end) >= ToUnixSeconds(episode.started_at) - gap_s_;
        double distance = std::abs(ToUnixSeconds(segment.captured_at) - ToUnixSeconds(episode.ended_at));
        if (fits && (home == nullptr || distance < nearest)) home = &episode, nearest = distance;
      }
      if (home == nullptr) {
        open.push_back(Episode{tenant_id, NewId(), segment.captured_at, end, EpisodeState::kOpen, 0, std::nullopt,
                               std::nullopt});
        home = &open.back();
        ++report.episodes_opened;
      } else {
        if (segment.captured_at < home->started_at) home->started_at = segment.captured_at;
        if (end > home->ended_at) home->ended_at = end;
      }
      batches[home->id].push_back(segment);
    }
    for (const Episode& episode : open) {
      auto batch = batches.find(episode.id);
      if (batch == batches.end()) continue;
      RETURN_IF_ERROR(stores_.episodes.AssignToEpisode(episode, batch->second));
      report.segments_assigned += static_cast<int64_t>(batch->second.size());
    }
    if (static_cast<int>(unassigned.size()) < kBatch) break;
  }
  // Close what has been quiet for longer than the gap, in capture and in arrival time.
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto quiet, stores_.episodes.ListOpenEpisodesQuietSince(tenant_id, AddSeconds(now, -gap_s_)));
  ASSIGN_OR_RETURN(std::optional<TimePoint> unfinished, stores_.episodes.EarliestUnfinishedCapture(tenant_id));
  for (const Episode& episode : quiet) {
    // A recording not yet transcribed, captured within the gap of this episode's end, may still
    // belong to it: however long its transcription takes, the episode waits.
    if (unfinished && ToUnixSeconds(*unfinished) <= ToUnixSeconds(episode.ended_at) + gap_s_) continue;
    RETURN_IF_ERROR(stores_.episodes.CloseEpisode(tenant_id, episode.id, now));
    ++report.episodes_closed;
  }
  return Status::Ok();
}

}  // namespace reflexio
