// Page and TimeRange: how every listing is asked for and answered. A listing returns at most the
// limit asked for and, when more remain, an opaque cursor that continues after its last item.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace reflexio {

struct TimeRange {
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

}  // namespace reflexio
