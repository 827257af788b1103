// Keyring: each tenant's 256-bit data key, created on first use and stored only wrapped by
// the master key (tenant_keys). The stored form is read on every use, so a key erased or
// rewrapped by any process is never used from memory; only the unwrapping is cached.
//
// RewrapAll is master-key rotation: every tenant key wrapped by another known master is
// unwrapped and wrapped again by the primary — the data those keys protect is untouched, and
// an interrupted rotation resumes where it stopped. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "core/mutex.h"
#include "core/status.h"
#include "privacy/master_key.h"
#include "storage/database.h"

namespace reflexio {

class Keyring {
 public:
  Keyring(const Stores& stores, MasterKeys masters) : stores_(stores), masters_(std::move(masters)) {}

  // The tenant's data key (32 bytes). kInternal ("tenant_key_unavailable") when its stored key
  // was wrapped by a master this process does not hold — never a silently new key.
  Result<std::string> TenantKey(const std::string& tenant_id);
  // Whether the tenant's stored key unwraps with the masters held, creating nothing: false when
  // none is stored yet (the tenant has sealed nothing), an error when it does not unwrap.
  Result<bool> Opens(const std::string& tenant_id);
  void Forget(const std::string& tenant_id);

  struct RewrapReport {
    int64_t rewrapped = 0;
    int64_t already_current = 0;
    int64_t without_key = 0;  // tenants that never stored anything encrypted
  };
  Result<RewrapReport> RewrapAll();

  const MasterKey& primary() const { return masters_.primary; }

 private:
  const MasterKey* MasterById(const std::string& id) const;
  Result<std::string> Unwrap(const WrappedTenantKey& stored) const;

  Stores stores_;
  const MasterKeys masters_;
  Mutex mutex_;
  struct CachedKey {
    std::string wrapped;
    std::string key;
  };
  std::map<std::string, CachedKey> cache_ GUARDED_BY(mutex_);  // by tenant id
};

}  // namespace reflexio
