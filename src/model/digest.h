// A tenant's digest of one local day, and its way to Telegram through the outbox.
// Plain values; copy freely across threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace reflexio {

enum class DigestStatus { kGenerating, kReady, kFailed };
// pending: on its way; sent: every step confirmed; failed: given up on; skipped: nowhere to send it.
enum class DeliveryState { kPending, kSent, kFailed, kSkipped };
// schedule: the evening run; command: `reflexio digest --once`.
enum class DeliveryOrigin { kSchedule, kCommand };

const char* ToString(DigestStatus status);
const char* ToString(DeliveryState state);
const char* ToString(DeliveryOrigin origin);
// Unknown text: std::nullopt.
std::optional<DigestStatus> ParseDigestStatus(std::string_view text);
std::optional<DeliveryState> ParseDeliveryState(std::string_view text);
std::optional<DeliveryOrigin> ParseDeliveryOrigin(std::string_view text);

// `content_json`, `markdown` and `pdf` are sealed at rest (privacy/sealed_stores.h); listings
// leave them empty.
struct Digest {
  std::string tenant_id;
  std::string date;    // YYYY-MM-DD, local to the tenant
  DigestStatus status = DigestStatus::kGenerating;
  std::string inputs_hash;
  std::string content_json;
  std::string markdown;
  std::string pdf;     // raw bytes
  std::string error;
  TimePoint updated_at{};
};

// What a day's digest is made of, in summary, read without opening anything sealed: for each
// source, how many rows and when the latest of them changed. While the summary is unchanged the
// stored digest is fresh. Memory entries count when changed since the day began (when an entry
// was last heard of is inside its sealed body), so a change to memory may rebuild a past day.
struct DigestInputs {
  struct Source {
    int64_t rows = 0;
    int64_t total = 0;  // episodes: their segments; otherwise 0
    std::optional<TimePoint> last_change;
  };
  Source recordings;        // captured during the day
  Source episode_insights;  // understood from the day's conversations (by when they were said)
  Source actions;           // due on the day, or changed since it began (done during it)
  Source memory;            // core entries changed since the day began
  Source episodes;          // conversations overlapping the day
};

// A digest on its way to Telegram: the outbox row of one tenant, local date and origin. Its steps are `messages` (HTML,
// in order) and then, with_document, the day's PDF; `steps_done` counts the steps Telegram
// confirmed and `message_ids` holds what it answered, so a retry resumes after the last
// confirmed step. `messages` are sealed at rest.
struct DigestDelivery {
  std::string tenant_id;
  std::string date;     // YYYY-MM-DD, local to the tenant
  DeliveryOrigin origin = DeliveryOrigin::kSchedule;
  DeliveryState state = DeliveryState::kPending;
  std::string chat_id;  // empty when skipped
  std::vector<std::string> messages;
  bool with_document = true;  // false: the messages only (the PDF holds what may not leave)
  int steps_done = 0;
  std::vector<std::string> message_ids;
  int attempts = 0;  // failed attempts; a rate limit is not one
  TimePoint next_attempt_at{};
  std::optional<TimePoint> lease_until;  // set while a sender holds it
  std::string last_error;
  TimePoint created_at{};
  TimePoint updated_at{};
};

// Which delivery: one per tenant, local date and origin.
struct DeliveryKey {
  std::string date;
  DeliveryOrigin origin = DeliveryOrigin::kSchedule;
};

// Across all tenants, counts only (for /health and metrics).
struct DeliveryStats {
  int64_t pending = 0;
  int64_t failed = 0;  // given up on since the time asked about
  double oldest_pending_age_s = 0;
};

}  // namespace reflexio
