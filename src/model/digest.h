// A tenant's digest of one local day, and its way to Telegram through the outbox.
// Plain values; copy freely across threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace reflexio {

// `content_json`, `markdown` and `pdf` are sealed at rest (privacy/sealed_stores.h); listings
// leave them empty.
struct Digest {
  std::string tenant_id;
  std::string date;    // YYYY-MM-DD, local to the tenant
  std::string status;  // generating | ready | failed
  std::string inputs_hash;
  std::string content_json;
  std::string markdown;
  std::string pdf;     // raw bytes
  std::string error;
  TimePoint updated_at{};
};

// A digest on its way to Telegram: the outbox row of one tenant, local date and origin
// (schedule: the evening run; command: `reflexio digest --once`). Its steps are `messages` (HTML,
// in order) and then, with_document, the day's PDF; `steps_done` counts the steps Telegram
// confirmed and `message_ids` holds what it answered, so a retry resumes after the last
// confirmed step. `messages` are sealed at rest.
struct DigestDelivery {
  std::string tenant_id;
  std::string date;     // YYYY-MM-DD, local to the tenant
  std::string origin;   // schedule | command
  std::string state;    // pending | sent | failed | skipped (nowhere to send it)
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

// Across all tenants, counts only (for /health and metrics).
struct DeliveryStats {
  int64_t pending = 0;
  int64_t failed = 0;  // given up on since the time asked about
  double oldest_pending_age_s = 0;
};

}  // namespace reflexio
