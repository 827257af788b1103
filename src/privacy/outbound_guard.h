// OutboundGuard: the PII and destination check every text passes before it leaves the server for
// another party — an LLM or transcription provider, Telegram, Letta. Callers hand it the text and
// where it is going; what they may send is what comes back.
//
// First the destination: a tenant with opt_out_training set sends nothing to a destination that
// is not local (kPermissionDenied, "remote_refused"). Then PII (text/pii.h), by the tenant's
// pii_mode or the server's default: audit sends the text as is and logs the kinds found (never
// the values); mask replaces each finding by its kind ("[EMAIL]"); strict sends nothing when
// anything is found (kPermissionDenied, "pii_blocked"). Findings are counted in the metrics by
// kind and mode. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/config.h"
#include "core/metrics.h"
#include "storage/privacy_ledger.h"

namespace reflexio {

struct Destination {
  std::string name;  // for logs: "llm:openai", "telegram", …
  bool local = false;  // runs on this machine (nothing leaves)
};

class OutboundGuard {
 public:
  // metrics may be null.
  OutboundGuard(PrivacyLedger& privacy, const Config& config, Metrics* metrics)
      : privacy_(privacy), default_mode_(config.pii_mode), metrics_(metrics) {}

  Result<std::string> Prepare(const std::string& tenant_id, std::string_view text, const Destination& destination);

 private:
  PrivacyLedger& privacy_;
  std::string default_mode_;
  Metrics* metrics_;
};

}  // namespace reflexio
