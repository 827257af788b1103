// What understanding concluded about an episode, and the person's core memory.
// Plain values; copy freely across threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "model/page.h"

namespace reflexio {

// episode: concluded from one conversation; core: an entry of the person's lasting memory.
enum class InsightScope { kEpisode, kCore };
// Episodes have summary, topic, person, place, preference, action, emotion and session (what
// session memory keeps of the conversation); core memory has person, place, preference, topic and
// commitment.
enum class InsightKind { kSummary, kTopic, kPerson, kPlace, kPreference, kAction, kEmotion, kSession, kCommitment };
// Actions are open or done; core entries active, or done (a commitment kept); the rest have none.
enum class InsightState { kNone, kOpen, kDone, kActive };

const char* ToString(InsightScope scope);
const char* ToString(InsightKind kind);
const char* ToString(InsightState state);  // kNone: ""
// Unknown text: std::nullopt.
std::optional<InsightScope> ParseInsightScope(std::string_view text);
std::optional<InsightKind> ParseInsightKind(std::string_view text);
std::optional<InsightState> ParseInsightState(std::string_view text);

// What an insight says, its evidence, method and confidence are in `body`: the JSON of an
// EpisodeInsightBody or, in scope core, a MemoryEntryBody (model/insight_body.h), sealed at rest
// by privacy/sealed_stores.h.
struct Insight {
  std::string tenant_id;
  std::string id;
  InsightScope scope = InsightScope::kEpisode;
  std::string episode_id;  // scope episode: its episode; core: empty
  InsightKind kind = InsightKind::kSummary;
  InsightState state = InsightState::kNone;
  // Core memory: what makes two entries the same (a normalised label; the sealed store keeps a
  // keyed hash of it instead). Unique per tenant, scope and kind when set.
  std::string dedup_key;
  TimePoint at{};                 // capture time of its earliest evidence
  std::optional<std::string> due_date;  // actions with a due date: YYYY-MM-DD
  std::string body;
  TimePoint updated_at{};
};

// Unset members match anything.
struct InsightFilter {
  std::optional<InsightScope> scope;
  std::optional<InsightKind> kind;
  std::string episode_id;  // empty: any
  std::optional<InsightState> state;
  TimeRange range;         // on `at`
};

}  // namespace reflexio
