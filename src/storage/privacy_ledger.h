// PrivacyLedger: a tenant's own privacy choices and the audit log of what happened to its data.
// Neither holds anything the person said. Every call names its tenant and sees only that
// tenant's rows. Implementations are thread-safe.
#pragma once

#include <string>

#include "core/status.h"
#include "model/page.h"
#include "model/tenant.h"

namespace reflexio {

class PrivacyLedger {
 public:
  virtual ~PrivacyLedger() = default;

  virtual Result<TenantSettings> GetTenantSettings(const std::string& tenant_id) = 0;  // all unset if none stored
  virtual Status PutTenantSettings(const std::string& tenant_id, const TenantSettings& settings) = 0;
  virtual Status AppendAudit(const AuditEntry& entry) = 0;
  // Newest first.
  virtual Result<Page<AuditEntry>> ListAudit(const std::string& tenant_id, int limit, const std::string& cursor) = 0;
};

}  // namespace reflexio
