// Understanding on the spot: a day's conversations understanding has not reached yet, read now
// for its digest and kept nowhere.
//
// They are the day's stored episodes without enrichment (open, or closed moments ago) and the
// day's speech not yet grouped into one, placed by the grouping rule (understanding/episodes.h)
// into the day's open episodes — stretched in memory — or into new episodes that exist only here
// ("provisional-1", …). Each is understood through an EpisodeUnderstanding; an episode it cannot
// understand is left out of `understood` (the digest then says so), never failing the digest.
// The insights' ids are cleared: nothing is stored under them. Thread-safe when the stores and the
// understanding are.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/local_time.h"
#include "storage/database.h"
#include "understanding/episode_understanding.h"

namespace reflexio {

struct OnTheSpot {
  const EpisodeUnderstanding* understanding = nullptr;  // null: nothing is understood on the spot
  double episode_gap_s = 90;                            // the grouping rule's pause (Config::episode_gap_s)
};

struct UnderstoodOnTheSpot {
  std::vector<Episode> episodes;     // stored ones as stretched here, then the new ones
  std::set<std::string> understood;  // ids of those understood on the spot
  std::vector<Insight> insights;     // theirs
};

// `day_episodes`: the day's stored episodes.
Result<UnderstoodOnTheSpot> UnderstandOnTheSpot(const Stores& stores, const OnTheSpot& how, const std::string& tenant_id,
                                                const LocalDayBounds& day, const std::vector<Episode>& day_episodes);

}  // namespace reflexio
