#include "understanding/episodes.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/ids.h"

namespace reflexio {

namespace {
constexpr int kBatch = 1000;
}

size_t PlaceSegment(std::vector<Episode>& episodes, const UnassignedSegment& segment, double gap_s,
                    const std::string& tenant_id, const std::string& new_id) {
  TimePoint end = AddSeconds(segment.captured_at, segment.duration_s);
  std::optional<size_t> home;
  double nearest = 0;
  for (size_t i = 0; i < episodes.size(); ++i) {
    const Episode& episode = episodes[i];
    bool fits = ToUnixSeconds(segment.captured_at) - ToUnixSeconds(episode.ended_at) <= gap_s &&
                ToUnixSeconds(end) >= ToUnixSeconds(episode.started_at) - gap_s;
    double distance = std::abs(ToUnixSeconds(segment.captured_at) - ToUnixSeconds(episode.ended_at));
    if (fits && (!home || distance < nearest)) home = i, nearest = distance;
  }
  if (!home) {
    episodes.push_back(Episode{tenant_id, new_id, segment.captured_at, end, EpisodeState::kOpen, 0, std::nullopt,
                               std::nullopt});
    return episodes.size() - 1;
  }
  Episode& episode = episodes[*home];
  if (segment.captured_at < episode.started_at) episode.started_at = segment.captured_at;
  if (end > episode.ended_at) episode.ended_at = end;
  return *home;
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
      size_t before = open.size();
      const Episode& home = open[PlaceSegment(open, segment, gap_s_, tenant_id, NewId())];
      if (open.size() > before) ++report.episodes_opened;
      batches[home.id].push_back(segment);
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
