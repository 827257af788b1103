#include "pipeline/episodes.h"

#include <algorithm>

#include "core/ids.h"

namespace reflexio {

namespace {
constexpr int kBatch = 1000;
}

Result<EpisodeReport> EpisodeBuilder::Run() {
  EpisodeReport report;
  ASSIGN_OR_RETURN(auto tenants, db_.ListTenants());
  for (const Tenant& tenant : tenants) RETURN_IF_ERROR(RunForTenant(tenant.id, report));
  return report;
}

Status EpisodeBuilder::RunForTenant(const std::string& tenant_id, EpisodeReport& report) {
  ASSIGN_OR_RETURN(std::optional<Episode> latest, db_.LatestEpisode(tenant_id));
  std::optional<Episode> current;
  if (latest && latest->state == EpisodeState::kOpen) current = latest;
  while (true) {
    ASSIGN_OR_RETURN(auto unassigned, db_.ListUnassignedSegments(tenant_id, kBatch));
    if (unassigned.empty()) break;
    std::vector<UnassignedSegment> batch;
    auto flush = [&]() -> Status {
      if (!current || batch.empty()) return Status::Ok();
      RETURN_IF_ERROR(db_.AssignToEpisode(*current, batch));
      report.segments_assigned += static_cast<int64_t>(batch.size());
      batch.clear();
      return Status::Ok();
    };
    for (const UnassignedSegment& segment : unassigned) {
      TimePoint end = AddSeconds(segment.captured_at, segment.duration_s);
      bool joins = current && ToUnixSeconds(segment.captured_at) - ToUnixSeconds(current->ended_at) <= gap_s_ &&
                   ToUnixSeconds(end) >= ToUnixSeconds(current->started_at) - gap_s_;
      if (!joins) {
        RETURN_IF_ERROR(flush());
        current = Episode{tenant_id, NewId(), segment.captured_at, end, EpisodeState::kOpen, 0, std::nullopt};
        ++report.episodes_opened;
      } else {
        if (segment.captured_at < current->started_at) current->started_at = segment.captured_at;
        if (end > current->ended_at) current->ended_at = end;
      }
      batch.push_back(segment);
    }
    RETURN_IF_ERROR(flush());
    if (static_cast<int>(unassigned.size()) < kBatch) break;
  }
  // Close what has been quiet for longer than the gap, in capture and in arrival time.
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto quiet, db_.ListOpenEpisodesQuietSince(tenant_id, AddSeconds(now, -gap_s_)));
  ASSIGN_OR_RETURN(std::optional<TimePoint> unfinished, db_.EarliestUnfinishedCapture(tenant_id));
  for (const Episode& episode : quiet) {
    // A recording not yet transcribed, captured within the gap of this episode's end, may still
    // belong to it: however long its transcription takes, the episode waits.
    if (unfinished && ToUnixSeconds(*unfinished) <= ToUnixSeconds(episode.ended_at) + gap_s_) continue;
    RETURN_IF_ERROR(db_.CloseEpisode(tenant_id, episode.id, now));
    ++report.episodes_closed;
  }
  return Status::Ok();
}

}  // namespace reflexio
