// JSON views of stored objects, in the API's field names (snake_case, RFC 3339 UTC times,
// seconds from the start of the recording as floats). Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "http/router.h"
#include "storage/database.h"

namespace reflexio {

nlohmann::json RecordingJson(const Recording& recording);
nlohmann::json EpisodeJson(const Episode& episode);

// A list answer: {"items": [...], "next_cursor": "…" | null}.
nlohmann::json PageJson(nlohmann::json items, const std::optional<std::string>& next_cursor);
// The `from` and `to` query parameters (RFC 3339); 400 when malformed or `to` is not after `from`.
Result<TimeRange> ParseRange(const ServerRequest& request);
// A JSON request body that must be an object; an empty body is an empty object. 400 invalid_json otherwise.
Result<nlohmann::json> BodyObject(const ServerRequest& request);
// The text field `name` of `body`, nothing when absent or null; 400 invalid_<name> when not text.
Result<std::optional<std::string>> OptionalTextField(const nlohmann::json& body, const std::string& name);
// The `limit` query parameter: default when absent, 400 outside 1..max_limit.
Result<int> ParseLimit(const ServerRequest& request, int default_limit, int max_limit);
nlohmann::json SegmentJson(const Segment& segment);

// Where a search hit lies inside its segment: the span of the first occurrence of the query
// words, or the whole segment when no word matches exactly.
struct HitSpan {
  double start_s = 0;
  double end_s = 0;
};
// Where in the segment the query's words (or other forms of them: "meetings" for "meeting") were said.
HitSpan LocateHit(const Segment& segment, const std::vector<std::string>& normalized_terms);

// Rounds seconds to milliseconds for stable JSON.
double Millis(double seconds);
// "12.5", "0.001": seconds as short text for URLs and headers.
std::string FormatSeconds(double seconds);

}  // namespace reflexio
