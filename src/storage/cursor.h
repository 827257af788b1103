// Opaque pagination cursors. Clients treat them as strings; the server hex-encodes its position
// (a keyset pair or an offset) so cursors are URL-safe and malformed ones are rejected with 400.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "core/status.h"

namespace reflexio {

std::string EncodeKeysetCursor(const std::string& key, const std::string& id);
Result<std::pair<std::string, std::string>> DecodeKeysetCursor(const std::string& cursor);
std::string EncodeOffsetCursor(int64_t offset);
Result<int64_t> DecodeOffsetCursor(const std::string& cursor);

}  // namespace reflexio
