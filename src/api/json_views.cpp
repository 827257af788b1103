#include "api/json_views.h"

#include <cmath>
#include <cstdio>

#include "text/normalize.h"
#include "text/stem.h"

namespace reflexio {

using nlohmann::json;

double Millis(double seconds) { return std::round(seconds * 1000) / 1000; }

std::string FormatSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", Millis(seconds));
  std::string text = buf;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

json RecordingJson(const Recording& r) {
  json out = {{"id", r.id},
              {"status", ToString(r.status)},
              {"content_type", r.content_type},
              {"bytes", r.original_bytes},
              {"captured_at", FormatRfc3339(r.captured_at)},
              {"received_at", FormatRfc3339(r.received_at)},
              {"updated_at", FormatRfc3339(r.updated_at)},
              {"duration_seconds", r.duration_s ? json(Millis(*r.duration_s)) : json(nullptr)},
              {"speech_seconds", r.speech_s ? json(Millis(*r.speech_s)) : json(nullptr)},
              {"engine", r.engine.empty() ? json(nullptr) : json(r.engine)},
              {"language", r.language.empty() ? json(nullptr) : json(r.language)}};
  if (r.status == RecordingStatus::kFailed) out["error"] = r.error;
  return out;
}

json SegmentJson(const Segment& s) {
  json words = json::array();
  for (const auto& w : s.words) {
    words.push_back({{"word", w.word}, {"start", Millis(w.start_s)}, {"end", Millis(w.end_s)},
                     {"confidence", std::round(w.confidence * 1000) / 1000}});
  }
  return {{"start", Millis(s.start_s)}, {"end", Millis(s.end_s)}, {"captured_at", FormatRfc3339(s.captured_at)},
          {"text", s.text}, {"engine", s.engine}, {"language", s.language}, {"words", words},
          {"quality", {{"state", s.quality}, {"reasons", s.quality_reasons}}},
          {"prosody", s.prosody_json.empty() ? json(nullptr) : json::parse(s.prosody_json, nullptr, false)}};
}

json EpisodeJson(const Episode& e) {
  json out = {{"id", e.id},
              {"started_at", FormatRfc3339(e.started_at)},
              {"ended_at", FormatRfc3339(e.ended_at)},
              {"duration_seconds", Millis(ToUnixSeconds(e.ended_at) - ToUnixSeconds(e.started_at))},
              {"state", e.state == EpisodeState::kOpen ? "open" : "closed"},
              {"segments", e.segments}};
  if (e.closed_at) out["closed_at"] = FormatRfc3339(*e.closed_at);
  out["enriched_at"] = e.enriched_at ? json(FormatRfc3339(*e.enriched_at)) : json(nullptr);
  return out;
}

HitSpan LocateHit(const Segment& segment, const std::vector<std::string>& terms) {
  HitSpan span{segment.start_s, segment.end_s};
  bool found = false;
  std::vector<std::string> stems;
  for (const auto& term : terms) stems.push_back(StemWord(term));
  std::vector<bool> seen(terms.size(), false);
  for (const auto& w : segment.words) {
    std::string stem = StemWord(NormalizeText(w.word));
    for (size_t t = 0; t < stems.size(); ++t) {
      if (seen[t] || stem != stems[t]) continue;
      seen[t] = true;
      if (!found) {
        span = {w.start_s, w.end_s};
        found = true;
      } else {
        span.start_s = std::min(span.start_s, w.start_s);
        span.end_s = std::max(span.end_s, w.end_s);
      }
    }
  }
  return span;
}

Result<json> BodyObject(const ServerRequest& request) {
  if (request.body.empty()) return json::object();
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) return InvalidArgument("the body is not a JSON object", "invalid_json");
  return body;
}

Result<std::optional<std::string>> OptionalTextField(const json& body, const std::string& name) {
  auto found = body.find(name);
  if (found == body.end() || found->is_null()) return std::optional<std::string>();
  if (!found->is_string()) return InvalidArgument(name + " must be text", "invalid_" + name);
  return std::optional<std::string>(found->get<std::string>());
}

Result<TimeRange> ParseRange(const ServerRequest& request) {
  TimeRange range;
  if (auto from = request.Query("from")) {
    ASSIGN_OR_RETURN(range.from, ParseRfc3339(*from));
  }
  if (auto to = request.Query("to")) {
    ASSIGN_OR_RETURN(range.to, ParseRfc3339(*to));
  }
  if (range.from && range.to && *range.to <= *range.from) {
    return InvalidArgument("'to' must be later than 'from'", "invalid_time_range");
  }
  return range;
}

Result<int> ParseLimit(const ServerRequest& request, int default_limit, int max_limit) {
  auto text = request.Query("limit");
  if (!text) return default_limit;
  char* end = nullptr;
  long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || value < 1 || value > max_limit) {
    return InvalidArgument("limit must be a whole number from 1 to " + std::to_string(max_limit), "invalid_limit");
  }
  return static_cast<int>(value);
}

nlohmann::json PageJson(nlohmann::json items, const std::optional<std::string>& next_cursor) {
  return {{"items", std::move(items)}, {"next_cursor", next_cursor ? nlohmann::json(*next_cursor) : nlohmann::json(nullptr)}};
}

}  // namespace reflexio
