// What understanding concluded about an episode, and the person's core memory.
// Plain values; copy freely across threads.
#pragma once

#include <optional>
#include <string>

#include "core/time.h"
#include "model/page.h"

namespace reflexio {

// Something understanding concluded — an episode's summary, topic, person, place, action item,
// emotion or session memory (scope "episode") — or an entry of the person's core memory (scope
// "core", kinds person | place | preference | topic | commitment). What it says, its evidence,
// method and confidence are in `body` (JSON; sealed at rest by privacy/sealed_stores.h).
struct Insight {
  std::string tenant_id;
  std::string id;
  std::string scope = "episode";  // episode | core
  std::string episode_id;         // scope episode: its episode; core: empty
  std::string kind;
  std::string state;              // actions: open | done; core memory: active | forgotten; else ""
  // Core memory: what makes two entries the same (a normalised label; the sealed store keeps a
  // keyed hash of it instead). Unique per tenant, scope and kind when set.
  std::string dedup_key;
  TimePoint at{};                 // capture time of its earliest evidence
  std::optional<std::string> due_date;  // actions with a due date: YYYY-MM-DD
  std::string body;
  TimePoint updated_at{};
};

struct InsightFilter {
  std::string scope;       // empty: any
  std::string kind;        // empty: any
  std::string episode_id;  // empty: any
  std::string state;       // empty: any
  TimeRange range;         // on `at`
};

}  // namespace reflexio
