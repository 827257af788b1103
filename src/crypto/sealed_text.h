// Text at rest: a string sealed with the tenant's data key as a framed AES-256-GCM blob
// (blob_cipher.h), carried as Base64 so it fits any text column. The object id binds the value
// to its place ("segment/<recording>/<seq>/text"): a sealed value copied to another row, field
// or tenant fails to open. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/blob_cipher.h"

namespace reflexio {

Result<std::string> SealText(std::string_view tenant_key, const BlobContext& context, std::string_view plaintext);
// kInternal ("blob_integrity") when the value was changed, moved, or sealed with another key.
Result<std::string> OpenText(std::string_view tenant_key, const BlobContext& context, std::string_view sealed);

}  // namespace reflexio
