// Episodes: a tenant's segments grouped into conversations by capture time.
//
// A segment joins the tenant's open episode when it starts no more than `gap_s` after that
// episode's end (default 90 s); otherwise it opens a new one. Garbage segments (quality gate)
// join nothing. An open episode is closed once it has been quiet for `gap_s` both in capture
// time (its end lies that far before now) and in arrival time (nothing joined it for that long,
// so a backlog uploaded after a day offline still groups), and while no recording captured within
// the gap of its end is still waiting to be transcribed — from then on it is final and is what
// enrichment works on, once. Segments arriving later for a closed episode start a new one. Thread-compatible: the scheduler's
// leader runs it.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "storage/database.h"

namespace reflexio {

struct EpisodeReport {
  int64_t segments_assigned = 0;
  int64_t episodes_opened = 0;
  int64_t episodes_closed = 0;
};

// The grouping rule on episodes in memory: the index of the nearest of `episodes` that `segment`
// fits — it starts within gap_s of that one's end and ends no more than gap_s before its start —
// stretched to hold it; when none fits, an open episode `new_id` of `tenant_id` is appended for it.
size_t PlaceSegment(std::vector<Episode>& episodes, const UnassignedSegment& segment, double gap_s,
                    const std::string& tenant_id, const std::string& new_id);

class EpisodeBuilder {
 public:
  EpisodeBuilder(const Stores& stores, double gap_s, const Clock& clock = SystemClock::Instance())
      : stores_(stores), gap_s_(gap_s), clock_(clock) {}
  Result<EpisodeReport> Run();
  Status RunForTenant(const std::string& tenant_id, EpisodeReport& report);

 private:
  Stores stores_;
  double gap_s_;
  const Clock& clock_;
};

}  // namespace reflexio
