// Keyset paging as both backends do it: fetch FetchLimit(limit) rows (one more than
// the page), then FinishPage drops the extra row and, when there was one, sets the cursor from
// the last row kept, so a client asks for the next page only when one exists.
#pragma once

#include <cstdint>
#include <utility>

#include "core/check.h"
#include "model/page.h"
#include "storage/cursor.h"

namespace reflexio {

inline int64_t FetchLimit(int limit) { return static_cast<int64_t>(limit) + 1; }

// `cursor_of(last)` encodes the position after the last row of this page.
template <typename T, typename CursorOf>
Page<T> FinishPage(Page<T> page, int limit, CursorOf cursor_of) {
  REFLEXIO_DCHECK(limit > 0, "a page holds at least one row");
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(static_cast<size_t>(limit));
    page.next_cursor = cursor_of(page.items.back());
  }
  return page;
}

}  // namespace reflexio
