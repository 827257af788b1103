// Search ranking in windows of capture time, shared by both backends.
//
// Ranking every match of a frequent word costs as much as there are matches, and a year of
// speech holds hundreds of thousands. So a search ranks only the newest kSearchWindow matches of
// the tenant by relevance, then the next older window, and so on: the first page costs one
// window at most and the tenth the same (an offset into the same window). A cursor names its
// window by the window's newest key, so segments stored after a listing began never shift it.
// Within a window: higher score first, then newer.
//
// A segment's search key orders segments by capture time: the capture time in whole
// milliseconds times kCaptureKeySlots, plus a slot that tells apart segments captured in the
// same millisecond (the backend picks the first free one). A time range is thus a key range.
// Pure functions; RankInWindows is as thread-safe as the fetch it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/page.h"
#include "model/transcript.h"

namespace reflexio {

inline constexpr int kSearchWindow = 1000;
inline constexpr int64_t kCaptureKeySlots = 1000;

// The first key of the millisecond of `captured_at`.
int64_t CaptureKeyBase(TimePoint captured_at);

// The keys of the segments captured within `range` (inclusive; open ends are unbounded). Ranges are
// taken to the millisecond, as capture times are stored: `from` and `to` are truncated to theirs.
struct KeyBounds {
  int64_t low;
  int64_t high;
};
KeyBounds CaptureKeyBounds(const TimeRange& range);

struct SearchCandidate {
  int64_t key;
  double score;  // higher is better
};

// The tenant's matches whose key is within `keys`, newest first, at most `size` of them.
using WindowFetch = std::function<Result<std::vector<SearchCandidate>>(const KeyBounds& keys, int size)>;

// The page of at most `limit` candidates captured within `range` after `cursor` (empty: the
// first page); kInvalidArgument for a cursor this did not issue.
Result<Page<SearchCandidate>> RankInWindows(const WindowFetch& fetch, const TimeRange& range, const std::string& cursor,
                                            int limit, int window = kSearchWindow);

// The keys of a page, comma-separated, for `IN (…)`: integers only, so safe to splice into SQL.
std::string KeyList(const Page<SearchCandidate>& ranked);

// The hits of `ranked` in its order, each with its score, from the rows read for its keys; a key
// with no row (a segment deleted since) is left out.
Page<SearchHit> OrderHits(const Page<SearchCandidate>& ranked, std::map<int64_t, SearchHit> rows);

}  // namespace reflexio
