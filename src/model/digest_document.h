// The daily digest of one tenant's local day as a document (format "reflexio-digest-1"): what
// DigestBuilder makes, what the Markdown, PDF and Telegram renderings read, and — as its JSON —
// what is stored (sealed) and served at /v1/digests/{date}. Every statement names its sources:
// ids ("S1", …) into `sources`, each a segment with a short quote. Times are RFC 3339 UTC in the
// JSON; local_* are the zone's wall clock. One JSON conversion (to_json/from_json below); reading
// is strict about the format and lenient about members, which keep their defaults when missing.
// Plain values; copy freely across threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/time.h"

namespace reflexio {

inline constexpr const char* kDigestFormat = "reflexio-digest-1";

// ok; degraded: little or mostly uncertain material, and it says why; empty: nothing recorded.
enum class DigestDayStatus { kOk, kDegraded, kEmpty };
const char* ToString(DigestDayStatus status);
std::optional<DigestDayStatus> ParseDigestDayStatus(std::string_view text);

using SourceIds = std::vector<std::string>;  // "S1", "S2", … in the order first cited

struct DigestSource {
  std::string episode_id;
  std::string recording_id;
  int segment = 0;
  double start_s = 0, end_s = 0;  // inside the recording
  TimePoint captured_at{};
  std::string local_time;  // HH:MM:SS
  std::string quote;       // the segment's words, cut at a word after 160 characters
};

struct DigestSummary {
  std::string text;
  SourceIds sources;
};

struct DigestFigures {
  int64_t recordings = 0;
  double speech_minutes = 0;
  int64_t words = 0;
  int64_t episodes = 0;
  double trusted_share = 0;  // of usable segments
};

// A conversation of the day.
struct DigestMoment {
  std::string episode_id;  // "provisional-N": speech not grouped yet, a conversation only this digest has
  TimePoint start{}, end{};
  std::string local_start, local_end;  // HH:MM
  std::optional<std::string> summary;  // unset until understood
  std::optional<std::string> urgency;  // low | medium | high
  bool provisional = false;            // understood on the spot for this digest, not yet for good
  SourceIds sources;
};

struct DigestEmotion {
  std::string episode_id;
  TimePoint at{};
  std::string local_time;  // HH:MM
  double valence = 0;
  std::optional<double> arousal;
  std::string quadrant = "neutral";
  std::map<std::string, int> emotions;
  SourceIds sources;
};

struct DigestAction {
  std::string id;  // "" when said in a provisional conversation: nothing is stored under it yet
  std::string text;
  std::string who;
  bool commitment = false;
  std::optional<std::string> due_date;
  std::string state;  // open | done
  SourceIds sources;
};

struct DigestActions {
  std::vector<DigestAction> added;  // "new": said during the day
  std::vector<DigestAction> due;    // due on the day
  std::vector<DigestAction> done;   // marked done during the day
};

// A person or topic of the day, by how many conversations' findings named it.
struct DigestMention {
  std::string text;
  int mentions = 0;
  SourceIds sources;
};

struct DigestComparison {  // with the 7 days before
  std::vector<std::string> new_topics, repeating_topics, new_people, repeating_people;
};

struct DigestMemoryEntry {
  std::string id;
  std::string kind;
  std::string label;
  std::map<std::string, std::string> detail;
  size_t episodes = 0;
  bool learned_today = false;
};

struct DigestDocument {
  std::string tenant_id;
  std::string date;      // YYYY-MM-DD, local
  std::string timezone;  // IANA name
  DigestDayStatus status = DigestDayStatus::kEmpty;
  std::vector<std::string> degraded_reasons;
  // Some conversations were understood on the spot (the day is still going, or understanding has
  // not reached them yet); the digest built once they are understood replaces this one.
  bool provisional = false;
  DigestSummary summary;
  DigestFigures figures;
  std::vector<double> speech_minutes_by_hour = std::vector<double>(24, 0.0);  // local hours
  std::vector<DigestMoment> timeline;
  std::vector<DigestEmotion> emotions;
  DigestActions actions;
  std::vector<DigestMention> people, topics;  // most mentioned first
  DigestComparison compared_with_last_7_days;
  std::vector<DigestMemoryEntry> memory;
  std::map<std::string, DigestSource> sources;  // by id

  // The sources in citation order (S1, S2, … S10), not in the map's string order.
  std::vector<std::pair<std::string, const DigestSource*>> SourcesInOrder() const;
};

// What the renderings print above the summary: that the digest is provisional, and why the day
// is degraded.
std::vector<std::string> DigestNotes(const DigestDocument& d);

void to_json(nlohmann::json& j, const DigestDocument& d);
void from_json(const nlohmann::json& j, DigestDocument& d);
// A stored digest's JSON; kInvalidArgument when it is not JSON of this format.
Result<DigestDocument> ParseDigestDocument(std::string_view json_text);

}  // namespace reflexio
