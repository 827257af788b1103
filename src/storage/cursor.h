// Opaque pagination cursors. Clients treat them as strings; the server hex-encodes its position
// (a keyset pair, or a search window and an offset in it) so cursors are URL-safe and malformed ones are rejected with 400.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "core/status.h"

namespace reflexio {

std::string EncodeKeysetCursor(const std::string& key, const std::string& id);
Result<std::pair<std::string, std::string>> DecodeKeysetCursor(const std::string& cursor);
// Search (storage/search_windows.h): the window whose newest key is `upper`, and the place in it.
struct WindowPosition {
  int64_t upper = 0;
  int64_t offset = 0;
};
std::string EncodeWindowCursor(const WindowPosition& position);
Result<WindowPosition> DecodeWindowCursor(const std::string& cursor);

}  // namespace reflexio
