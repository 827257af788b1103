// TenantKeyStore: each tenant's data key as stored, wrapped by a master key (privacy/keyring.h
// is its only user). Thread-safe; every call names its tenant.
//
// AddTenantKey stores `key` unless the tenant already has one and returns the one that is stored
// (so two processes racing to create it agree). ReplaceTenantKey rewraps: it succeeds only while
// the stored key is still wrapped by `expected_master_key_id` (kConflict otherwise), so an
// interrupted rotation can simply be run again.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "model/tenant.h"

namespace reflexio {

class TenantKeyStore {
 public:
  virtual ~TenantKeyStore() = default;

  virtual Result<std::optional<WrappedTenantKey>> GetTenantKey(const std::string& tenant_id) = 0;
  virtual Result<WrappedTenantKey> AddTenantKey(const WrappedTenantKey& key) = 0;
  virtual Status ReplaceTenantKey(const WrappedTenantKey& key, const std::string& expected_master_key_id) = 0;
};

}  // namespace reflexio
