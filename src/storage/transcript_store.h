// TranscriptStore: what was said — segments with their words, times and quality, and the
// full-text index over them. This is one of the roles that hold a person's words, so the server
// only ever uses it through the sealing decorator (privacy/sealed_stores.h); a bare backend
// stores what it is given. Every call names its tenant (a job carries one) and sees only that
// tenant's rows. Implementations are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "model/episode.h"
#include "model/page.h"
#include "model/recording.h"
#include "model/transcript.h"

namespace reflexio {

class TranscriptStore {
 public:
  virtual ~TranscriptStore() = default;

  // Stores the transcript, marks the recording transcribed and the job done — only if `job`
  // still holds its lease (kConflict otherwise, and nothing is written).
  virtual Status CompleteTranscription(const Job& job, const Transcription& transcription) = 0;
  virtual Result<std::vector<Segment>> GetSegments(const std::string& tenant_id, const std::string& recording_id) = 0;
  // An episode's segments in capture order.
  virtual Result<std::vector<EpisodeSegment>> GetEpisodeSegments(const std::string& tenant_id,
                                                                 const std::string& episode_id) = 0;
  // `terms` are index tokens (as in Segment::index_terms); every one must occur. Hits come best
  // first with an empty snippet. (The sealing decorator takes words and makes the tokens.)
  virtual Result<Page<SearchHit>> Search(const std::string& tenant_id, const std::vector<std::string>& terms,
                                         const TimeRange& range, int limit, const std::string& cursor) = 0;
};

}  // namespace reflexio
