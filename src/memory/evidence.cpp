#include "memory/evidence.h"

namespace reflexio {

using nlohmann::json;

json EvidenceToJson(const std::vector<EvidenceRef>& evidence) {
  json out = json::array();
  for (const EvidenceRef& e : evidence) {
    out.push_back({{"episode_id", e.episode_id}, {"recording_id", e.recording_id}, {"seq", e.seq},
                   {"start_s", e.start_s}, {"end_s", e.end_s}, {"captured_at", FormatRfc3339(e.captured_at)}});
  }
  return out;
}

std::vector<EvidenceRef> EvidenceFromJson(const json& array) {
  std::vector<EvidenceRef> out;
  if (!array.is_array()) return out;
  for (const json& e : array) {
    if (!e.is_object() || !e.value("recording_id", json()).is_string()) continue;
    EvidenceRef ref;
    ref.episode_id = e.value("episode_id", "");
    ref.recording_id = e["recording_id"];
    ref.seq = e.value("seq", 0);
    ref.start_s = e.value("start_s", 0.0);
    ref.end_s = e.value("end_s", 0.0);
    auto at = ParseRfc3339(e.value("captured_at", ""));
    if (at.ok()) ref.captured_at = *at;
    out.push_back(std::move(ref));
  }
  return out;
}

json InsightBody(const Insight& insight) {
  json body = json::parse(insight.body, nullptr, /*allow_exceptions=*/false);
  return body.is_object() ? body : json::object();
}

}  // namespace reflexio
