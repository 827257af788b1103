#include "privacy/keyring.h"

namespace reflexio {

const MasterKey* Keyring::MasterById(const std::string& id) const {
  if (masters_.primary.id == id) return &masters_.primary;
  for (const auto& other : masters_.also_unwrap) {
    if (other.id == id) return &other;
  }
  return nullptr;
}

Result<std::string> Keyring::Unwrap(const WrappedTenantKey& stored) const {
  const MasterKey* master = MasterById(stored.master_key_id);
  if (master == nullptr) {
    return Status(ErrorCode::kInternal, "tenant_key_unavailable",
                  "the data key of tenant " + stored.tenant_id + " is wrapped by master key " + stored.master_key_id +
                      ", which this process does not hold (this one has " + masters_.primary.id +
                      "); start it with the master key the data was written with");
  }
  return UnwrapKey(master->key, stored.tenant_id, stored.wrapped);
}

Result<std::string> Keyring::TenantKey(const std::string& tenant_id) {
  // The stored key is read every time (one point query): an erasure or rotation done by another
  // process takes effect here at once, and a shredded key is never used from memory.
  ASSIGN_OR_RETURN(auto stored, stores_.keys.GetTenantKey(tenant_id));
  if (!stored) {
    std::string fresh = NewDataKey();
    ASSIGN_OR_RETURN(std::string wrapped, WrapKey(masters_.primary.key, tenant_id, fresh));
    // Another process may have created one meanwhile; whichever was stored first is the key.
    ASSIGN_OR_RETURN(WrappedTenantKey kept, stores_.keys.AddTenantKey({tenant_id, masters_.primary.id, wrapped}));
    stored = kept;
  }
  {
    MutexLock lock(mutex_);
    auto cached = cache_.find(tenant_id);
    if (cached != cache_.end() && cached->second.wrapped == stored->wrapped) return cached->second.key;
  }
  ASSIGN_OR_RETURN(std::string key, Unwrap(*stored));
  MutexLock lock(mutex_);
  cache_[tenant_id] = CachedKey{stored->wrapped, key};
  return key;
}

Result<bool> Keyring::Opens(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(auto stored, stores_.keys.GetTenantKey(tenant_id));
  if (!stored) return false;
  RETURN_IF_ERROR(Unwrap(*stored).status());
  return true;
}

void Keyring::Forget(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  cache_.erase(tenant_id);
}

Result<Keyring::RewrapReport> Keyring::RewrapAll() {
  RewrapReport report;
  ASSIGN_OR_RETURN(auto tenants, stores_.tenants.ListTenants());
  for (const Tenant& tenant : tenants) {
    ASSIGN_OR_RETURN(auto stored, stores_.keys.GetTenantKey(tenant.id));
    if (!stored) {
      ++report.without_key;
      continue;
    }
    if (stored->master_key_id == masters_.primary.id) {
      ++report.already_current;
      continue;
    }
    ASSIGN_OR_RETURN(std::string key, Unwrap(*stored));
    ASSIGN_OR_RETURN(std::string wrapped, WrapKey(masters_.primary.key, tenant.id, key));
    RETURN_IF_ERROR(stores_.keys.ReplaceTenantKey({tenant.id, masters_.primary.id, wrapped}, stored->master_key_id));
    std::string detail = "{\"from_master_key\":\"" + stored->master_key_id + "\",\"to_master_key\":\"" +
                         masters_.primary.id + "\"}";
    RETURN_IF_ERROR(stores_.privacy.AppendAudit({tenant.id, "", {}, "operator", "key_rotation", detail}));
    ++report.rewrapped;
  }
  return report;
}

}  // namespace reflexio
