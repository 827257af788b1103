// The records of a tenant itself: who it is, its data key as stored, and its own privacy choices.
// Plain values; copy freely across threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace reflexio {

struct Tenant {
  std::string id;
  std::string name;
};

// A tenant's data key as stored: wrapped by a master key (crypto/keys.h), never in the clear.
struct WrappedTenantKey {
  std::string tenant_id;
  std::string master_key_id;  // which master key wrapped it (a fingerprint, not the key)
  std::string wrapped;        // raw bytes
};

// A tenant's own privacy choices; an unset field means "the server's default" (Config).
struct TenantSettings {
  std::optional<int> audio_retention_hours;  // 0: delete the audio as soon as it is transcribed
  std::optional<int> transcript_retention_days;
  std::optional<int> digest_retention_days;
  bool opt_out_training = false;  // audio and text go only to engines marked local
  std::optional<std::string> pii_mode;  // audit | mask | strict
  std::optional<std::string> timezone;          // IANA name, e.g. Europe/Berlin
  std::optional<std::string> digest_time;       // HH:MM on the local clock
  std::optional<std::string> telegram_chat_id;  // where the digest goes
};

// What happened to a tenant's data and who did it. `detail` is JSON and never holds anything
// the person said.
struct AuditEntry {
  std::string tenant_id;
  std::string id;
  TimePoint at{};
  std::string actor;   // tenant (through an API key) | operator (a CLI command) | system (retention) | stripe
  std::string action;  // export | erase | key_rotation | admin_access | settings_change | retention | subscription_change
  std::string detail;
};

// An API key as listed: never the key itself (only its SHA-256 is stored), but the prefix a
// person tells keys apart by.
struct ApiKeyRecord {
  std::string tenant_id;
  std::string id;
  std::string prefix;
  TimePoint created_at{};
  std::optional<TimePoint> revoked_at;
};

// A browser signed in to a tenant: the web app's server-side session. The secret that proves it
// lives only in the browser's cookie; what is stored is that secret's SHA-256.
struct BrowserSession {
  std::string tenant_id;
  std::string id;
  std::string device;  // the browser's User-Agent, shortened: how the person tells devices apart
  TimePoint created_at{};
  TimePoint last_seen_at{};
  TimePoint expires_at{};
};

// A tenant's speech on one UTC day, as rolled up into usage_daily.
struct DailyUsage {
  double speech_seconds = 0;
  int64_t uploads = 0;
};

}  // namespace reflexio
