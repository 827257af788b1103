#include "storage/search_windows.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"
#include "storage/cursor.h"

namespace reflexio {

int64_t CaptureKeyBase(TimePoint captured_at) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(captured_at.time_since_epoch()).count();
  return static_cast<int64_t>(ms) * kCaptureKeySlots;
}

KeyBounds CaptureKeyBounds(const TimeRange& range) {
  KeyBounds bounds{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  if (range.from) bounds.low = CaptureKeyBase(*range.from);
  if (range.to) bounds.high = CaptureKeyBase(*range.to) - 1;
  return bounds;
}

Result<Page<SearchCandidate>> RankInWindows(const WindowFetch& fetch, const TimeRange& range, const std::string& cursor,
                                            int limit, int window) {
  REFLEXIO_CHECK(limit > 0 && window >= limit, "a window holds at least one page");
  const KeyBounds bounds = CaptureKeyBounds(range);
  WindowPosition at{std::numeric_limits<int64_t>::max(), 0};
  if (!cursor.empty()) {
    ASSIGN_OR_RETURN(at, DecodeWindowCursor(cursor));
  }
  Page<SearchCandidate> page;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<SearchCandidate> candidates,
                     fetch(KeyBounds{bounds.low, std::min(at.upper, bounds.high)}, window));
    bool last = static_cast<int>(candidates.size()) < window;
    // The window is named by its newest key, not by the bound it was fetched with, so segments
    // captured later never join it.
    int64_t oldest = std::numeric_limits<int64_t>::max();
    if (!candidates.empty()) at.upper = std::numeric_limits<int64_t>::min();
    for (const auto& c : candidates) {
      oldest = std::min(oldest, c.key);
      at.upper = std::max(at.upper, c.key);
    }
    std::sort(candidates.begin(), candidates.end(), [](const SearchCandidate& a, const SearchCandidate& b) {
      return a.score != b.score ? a.score > b.score : a.key > b.key;
    });
    for (auto i = static_cast<size_t>(at.offset); i < candidates.size(); ++i) {
      if (static_cast<int>(page.items.size()) == limit) {
        page.next_cursor = EncodeWindowCursor({at.upper, static_cast<int64_t>(i)});
        return page;
      }
      page.items.push_back(candidates[i]);
    }
    if (last) return page;
    at = {oldest - 1, 0};
  }
}

std::string KeyList(const Page<SearchCandidate>& ranked) {
  std::string keys;
  for (const auto& c : ranked.items) keys += (keys.empty() ? "" : ",") + std::to_string(c.key);
  return keys;
}

Page<SearchHit> OrderHits(const Page<SearchCandidate>& ranked, std::map<int64_t, SearchHit> rows) {
  Page<SearchHit> page;
  page.next_cursor = ranked.next_cursor;
  for (const auto& candidate : ranked.items) {
    auto row = rows.find(candidate.key);
    if (row == rows.end()) continue;
    row->second.score = candidate.score;
    page.items.push_back(std::move(row->second));
  }
  return page;
}

}  // namespace reflexio
