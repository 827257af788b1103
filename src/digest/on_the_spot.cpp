#include "digest/on_the_spot.h"

#include <algorithm>
#include <map>

#include "core/log.h"
#include "understanding/episodes.h"

namespace reflexio {

namespace {

// More speech than this waiting to be grouped means grouping is far behind; the rest waits.
constexpr int kMaxUngrouped = 5000;

// The full segments of ungrouped ones, from their recordings' transcripts.
class SegmentsByRecording {
 public:
  SegmentsByRecording(const Stores& stores, const std::string& tenant_id) : stores_(stores), tenant_id_(tenant_id) {}

  Status Add(const UnassignedSegment& wanted, std::vector<EpisodeSegment>& out) {
    auto known = by_recording_.find(wanted.recording_id);
    if (known == by_recording_.end()) {
      ASSIGN_OR_RETURN(auto segments, stores_.transcripts.GetSegments(tenant_id_, wanted.recording_id));
      known = by_recording_.emplace(wanted.recording_id, std::move(segments)).first;
    }
    for (const Segment& s : known->second) {
      if (s.seq == wanted.seq) out.push_back({wanted.recording_id, s});
    }
    return Status::Ok();
  }

 private:
  const Stores& stores_;
  const std::string& tenant_id_;
  std::map<std::string, std::vector<Segment>> by_recording_;
};

}  // namespace

Result<UnderstoodOnTheSpot> UnderstandOnTheSpot(const Stores& stores, const OnTheSpot& how, const std::string& tenant_id,
                                                const LocalDayBounds& day, const std::vector<Episode>& day_episodes) {
  UnderstoodOnTheSpot out;
  // Where the grouping rule would put the day's ungrouped speech: an open episode, or a new one.
  std::vector<Episode> candidates;
  for (const Episode& e : day_episodes) {
    if (e.state == EpisodeState::kOpen) candidates.push_back(e);
  }
  size_t stored_open = candidates.size();
  std::map<std::string, std::vector<UnassignedSegment>> joining;  // episode id → its ungrouped segments
  ASSIGN_OR_RETURN(auto ungrouped, stores.episodes.ListUnassignedSegments(tenant_id, kMaxUngrouped));
  for (const UnassignedSegment& s : ungrouped) {
    if (s.captured_at < day.start || s.captured_at >= day.end) continue;
    std::string new_id = "provisional-" + std::to_string(candidates.size() - stored_open + 1);
    joining[candidates[PlaceSegment(candidates, s, how.episode_gap_s, tenant_id, new_id)].id].push_back(s);
  }
  std::map<std::string, const Episode*> placed;
  for (const Episode& e : candidates) placed[e.id] = &e;
  for (const Episode& stored : day_episodes) {
    if (!stored.enriched_at) out.episodes.push_back(placed.count(stored.id) ? *placed[stored.id] : stored);
  }
  size_t stored_count = out.episodes.size();
  out.episodes.insert(out.episodes.end(), candidates.begin() + static_cast<std::ptrdiff_t>(stored_open), candidates.end());

  SegmentsByRecording full(stores, tenant_id);
  for (size_t i = 0; i < out.episodes.size(); ++i) {
    const Episode& episode = out.episodes[i];
    std::vector<EpisodeSegment> segments;
    if (i < stored_count) {
      ASSIGN_OR_RETURN(segments, stores.transcripts.GetEpisodeSegments(tenant_id, episode.id));
    }
    for (const UnassignedSegment& s : joining[episode.id]) RETURN_IF_ERROR(full.Add(s, segments));
    std::stable_sort(segments.begin(), segments.end(), [](const EpisodeSegment& a, const EpisodeSegment& b) {
      return a.segment.captured_at < b.segment.captured_at;  // as said, whichever recording was transcribed first
    });
    auto insights = how.understanding->Understand(episode, segments);
    if (!insights.ok()) {
      LOG_WARN("conversation " << episode.id << " could not be understood on the spot: " << insights.status().message());
      continue;
    }
    for (Insight& insight : *insights) {
      insight.id.clear();
      out.insights.push_back(std::move(insight));
    }
    out.understood.insert(episode.id);
  }
  return out;
}

}  // namespace reflexio
