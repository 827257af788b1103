// DigestBuilder: the daily digest of one tenant's local day, as JSON (format "reflexio-digest-1").
//
// Everything in it comes from what was stored for the day — recordings captured in it, their
// segments, and what understanding concluded (insights) — and every statement names its
// sources: ids into `sources`, each a segment (recording, position, capture time, local clock
// time and a short quote). A day with little or mostly uncertain material is "degraded" and says
// why instead of inventing content; a day with nothing is "empty" and says only that.
//
// The document, top level:
//   format, tenant_id, date, timezone, status (ok | degraded | empty), degraded_reasons[],
//   summary {text, sources[]},
//   figures {recordings, speech_minutes, words, episodes, trusted_share},
//   speech_minutes_by_hour[24] (local hours),
//   timeline[] {episode_id, start, end, local_start, local_end, summary, urgency, sources[]},
//   emotions[] {episode_id, at, local_time, valence, arousal, quadrant, emotions{}, sources[]},
//   actions {new[], due[], done[]} each {id, text, who, commitment, due_date, state, sources[]},
//   people[] / topics[] {text, mentions, sources[]},
//   compared_with_last_7_days {new_topics[], repeating_topics[], new_people[], repeating_people[]},
//   memory[] {id, kind, label, detail{}, episodes, learned_today},
//   sources {"S1": {episode_id, recording_id, segment, start_s, end_s, captured_at, local_time, quote}, …}
// Times are RFC 3339 UTC; local_* are the zone's clock. The same inputs give the same document.
//
// Thread-safe when the stores are.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "storage/database.h"

namespace reflexio {

struct DigestDay {
  std::string tenant_id;
  std::string date;      // YYYY-MM-DD, local
  std::string timezone;  // IANA name
};

class DigestBuilder {
 public:
  explicit DigestBuilder(const Stores& stores) : stores_(stores) {}
  Result<nlohmann::json> Build(const DigestDay& day);

 private:
  struct Material;
  Result<Material> Collect(const DigestDay& day);
  Stores stores_;
};

}  // namespace reflexio
