// Key material: the master key (from a password and salt through Argon2id, libsodium), random
// per-tenant data keys, and the wrapping that is the only form in which a data key is stored
// (AES-256-GCM under the master key, bound to its tenant). Rotating the master key means
// unwrapping and rewrapping each data key; the data they protect is untouched.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace reflexio {

constexpr size_t kKeySize = 32;

struct Argon2Cost {
  unsigned long long ops;  // libsodium opslimit
  size_t memory_bytes;     // libsodium memlimit
  static Argon2Cost Moderate();     // for the server: ~0.5 s and 256 MiB once at start-up
  static Argon2Cost Interactive();  // tests
};

// salt: at least 16 bytes (only the first 16 are used, as Argon2id's salt).
Result<std::string> DeriveMasterKey(std::string_view password, std::string_view salt,
                                    Argon2Cost cost = Argon2Cost::Moderate());
std::string NewDataKey();
Result<std::string> WrapKey(std::string_view master_key, const std::string& tenant_id, std::string_view data_key);
Result<std::string> UnwrapKey(std::string_view master_key, const std::string& tenant_id, std::string_view wrapped);

}  // namespace reflexio
