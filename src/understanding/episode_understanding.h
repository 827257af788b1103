// EpisodeUnderstanding: what one conversation says, worked out now and kept nowhere.
//
// A digest of a day still going asks it about the conversations enrichment has not reached yet
// (one still open, closed moments ago, or speech not grouped yet): given the episode and its
// segments, the insights it answers are those enrichment would store — summary, findings, the
// session — less what they would teach core memory, and the stored enrichment replaces them once
// it runs. The Enricher implements it. Implementations are thread-safe.
#pragma once

#include <vector>

#include "core/status.h"
#include "model/episode.h"
#include "model/insight.h"

namespace reflexio {

class EpisodeUnderstanding {
 public:
  virtual ~EpisodeUnderstanding() = default;
  virtual Result<std::vector<Insight>> Understand(const Episode& episode,
                                                 const std::vector<EpisodeSegment>& segments) const = 0;
};

}  // namespace reflexio
