#include "privacy/outbound_guard.h"

#include "core/log.h"
#include "text/pii.h"

namespace reflexio {

Result<std::string> OutboundGuard::Prepare(const std::string& tenant_id, std::string_view text,
                                           const Destination& destination) {
  ASSIGN_OR_RETURN(TenantSettings settings, privacy_.GetTenantSettings(tenant_id));
  if (settings.opt_out_training && !destination.local) {
    return Status(ErrorCode::kPermissionDenied, "remote_refused",
                  "this tenant opted out of sending its data away; " + destination.name + " is not local");
  }
  std::string mode = settings.pii_mode.value_or(default_mode_);
  std::vector<PiiMatch> found = FindPii(text);
  if (found.empty()) return std::string(text);
  std::string kinds;
  for (const PiiMatch& m : found) {
    if (metrics_ != nullptr) metrics_->CountPiiFinding(ToString(m.kind), mode);
    kinds += (kinds.empty() ? "" : ",") + std::string(ToString(m.kind));
  }
  LOG_INFO("outbound text to " << destination.name << " for tenant " << tenant_id << " holds " << found.size()
                               << " PII finding(s) [" << kinds << "], mode " << mode);
  if (mode == "strict") {
    return Status(ErrorCode::kPermissionDenied, "pii_blocked",
                  "the text holds personal data (" + kinds + ") and this tenant's PII mode is strict; nothing was sent");
  }
  if (mode == "mask") return MaskPii(text, found);
  return std::string(text);  // audit
}

}  // namespace reflexio
