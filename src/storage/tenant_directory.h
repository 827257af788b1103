// TenantDirectory: who the tenants are and which API keys reach them, and the erasure of all a
// tenant's data. The tenant row, its API keys and its audit log outlive an erasure, so a person
// can see that it happened.
//
// Implementations are thread-safe. Lookups by key hash span tenants (that is how a request finds
// its tenant); everything else names the tenant it touches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/tenant.h"

namespace reflexio {

class TenantDirectory {
 public:
  virtual ~TenantDirectory() = default;

  virtual Result<Tenant> EnsureTenant(const std::string& name) = 0;
  virtual Result<int64_t> CountTenants() = 0;
  virtual Result<std::vector<Tenant>> ListTenants() = 0;
  // The new key's id.
  virtual Result<std::string> AddApiKey(const std::string& tenant_id, const std::string& key_hash,
                           const std::string& display_prefix) = 0;
  virtual Result<std::optional<Tenant>> TenantForKeyHash(const std::string& key_hash) = 0;
  // The tenant's keys, revoked ones too, newest first.
  virtual Result<std::vector<ApiKeyRecord>> ListApiKeys(const std::string& tenant_id) = 0;
  // False when the tenant has no such key that is still valid.
  virtual Result<bool> RevokeApiKey(const std::string& tenant_id, const std::string& key_id, TimePoint at) = 0;
  // The operator's keys (admin routes) are no tenant's and reach no tenant's data.
  virtual Status AddOperatorKey(const std::string& key_hash, const std::string& display_prefix) = 0;
  virtual Result<bool> IsOperatorKeyHash(const std::string& key_hash) = 0;
  // Every recording, segment, episode, insight, job, digest, delivery, usage total and setting of
  // the tenant, and last its data key, in one transaction.
  virtual Status EraseTenantData(const std::string& tenant_id) = 0;
};

}  // namespace reflexio
