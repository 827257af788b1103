// Evidence: where in what the person said a conclusion comes from — a segment of a recording,
// with its position and capture time — in the one JSON shape every insight body uses; and the
// reading of those bodies.
// Plain data and pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/time.h"
#include "storage/database.h"

namespace reflexio {

struct EvidenceRef {
  std::string episode_id;
  std::string recording_id;
  int seq = 0;
  double start_s = 0;  // inside the recording
  double end_s = 0;
  TimePoint captured_at{};  // of the segment's first sample
};

nlohmann::json EvidenceToJson(const std::vector<EvidenceRef>& evidence);
std::vector<EvidenceRef> EvidenceFromJson(const nlohmann::json& array);  // skips malformed entries

// An insight's body as JSON; an empty object when it is not one (never throws).
nlohmann::json InsightBody(const Insight& insight);

}  // namespace reflexio
