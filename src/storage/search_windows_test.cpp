#include "storage/search_windows.h"

#include <gtest/gtest.h>

#include <set>

namespace reflexio {
namespace {

// A tenant's matches as a backend would hand them out, counting the rows it reads.
class FakeMatches {
 public:
  void Add(int64_t key, double score) { all_.push_back({key, score}); }

  WindowFetch Fetch() {
    return [this](const KeyBounds& keys, int size) -> Result<std::vector<SearchCandidate>> {
      ++windows_read;
      std::vector<SearchCandidate> out;
      for (auto it = all_.rbegin(); it != all_.rend() && static_cast<int>(out.size()) < size; ++it) {
        if (it->key >= keys.low && it->key <= keys.high) out.push_back(*it);
      }
      rows_read += static_cast<int64_t>(out.size());
      return out;
    };
  }

  int windows_read = 0;
  int64_t rows_read = 0;

 private:
  std::vector<SearchCandidate> all_;  // ascending keys
};

FakeMatches Matches(int count) {
  FakeMatches matches;
  for (int key = 1; key <= count; ++key) matches.Add(key, (key * 7919) % 101);  // scores 0..100, scattered
  return matches;
}

std::vector<int64_t> ReadAll(FakeMatches& matches, int limit, int window) {
  std::vector<int64_t> keys;
  std::string cursor;
  do {
    auto page = RankInWindows(matches.Fetch(), {}, cursor, limit, window);
    EXPECT_TRUE(page.ok());
    if (!page.ok()) break;
    for (const auto& c : page->items) keys.push_back(c.key);
    cursor = page->next_cursor.value_or("");
  } while (!cursor.empty());
  return keys;
}

TEST(SearchWindows, EveryMatchIsListedOnceBestFirstWithinEachWindowNewerWindowsFirst) {
  FakeMatches matches = Matches(2500);
  std::vector<int64_t> keys = ReadAll(matches, 20, 1000);
  ASSERT_EQ(keys.size(), 2500u);
  EXPECT_EQ(std::set<int64_t>(keys.begin(), keys.end()).size(), 2500u);
  // Windows: keys 1501..2500, then 501..1500, then 1..500.
  for (size_t i = 0; i < keys.size(); ++i) {
    int64_t window_low = i < 1000 ? 1501 : i < 2000 ? 501 : 1;
    EXPECT_GE(keys[i], window_low) << i;
    EXPECT_LT(keys[i], window_low + 1000) << i;
    if (i % 1000 != 0) {
      double before = (keys[i - 1] * 7919) % 101, here = (keys[i] * 7919) % 101;
      EXPECT_TRUE(before > here || (before == here && keys[i - 1] > keys[i])) << i;
    }
  }
}

TEST(SearchWindows, TheTenthPageReadsNoMoreRowsThanTheFirst) {
  FakeMatches first = Matches(50000);
  ASSERT_TRUE(RankInWindows(first.Fetch(), {}, "", 20, 1000).ok());
  FakeMatches tenth = Matches(50000);
  std::string cursor;
  for (int page = 1; page < 10; ++page) {
    auto read = RankInWindows(tenth.Fetch(), {}, cursor, 20, 1000);
    ASSERT_TRUE(read.ok() && read->next_cursor);
    cursor = *read->next_cursor;
  }
  tenth.rows_read = 0;
  tenth.windows_read = 0;
  ASSERT_TRUE(RankInWindows(tenth.Fetch(), {}, cursor, 20, 1000).ok());
  EXPECT_EQ(first.rows_read, 1000);
  EXPECT_EQ(tenth.rows_read, first.rows_read);
  EXPECT_EQ(tenth.windows_read, 1);
}

TEST(SearchWindows, SegmentsStoredAfterAListingBeganDoNotShiftIt) {
  FakeMatches matches = Matches(1500);
  auto first = RankInWindows(matches.Fetch(), {}, "", 20, 1000);
  ASSERT_TRUE(first.ok() && first->next_cursor);
  std::vector<int64_t> before = ReadAll(matches, 20, 1000);
  for (int key = 1501; key <= 1600; ++key) matches.Add(key, 1000);  // newer and better than anything
  std::vector<int64_t> listed;
  for (const auto& c : first->items) listed.push_back(c.key);
  std::string cursor = *first->next_cursor;
  while (!cursor.empty()) {
    auto page = RankInWindows(matches.Fetch(), {}, cursor, 20, 1000);
    ASSERT_TRUE(page.ok());
    for (const auto& c : page->items) listed.push_back(c.key);
    cursor = page->next_cursor.value_or("");
  }
  EXPECT_EQ(listed, before);
}

TEST(SearchWindows, APageEndingOnAWindowsLastRowHasACursorOnlyWhenOlderMatchesExist) {
  FakeMatches exactly = Matches(1000);
  EXPECT_EQ(ReadAll(exactly, 20, 1000).size(), 1000u);
  auto last = RankInWindows(exactly.Fetch(), {}, "", 1000, 1000);
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->next_cursor.has_value());
  FakeMatches more = Matches(1001);
  auto first = RankInWindows(more.Fetch(), {}, "", 1000, 1000);
  ASSERT_TRUE(first.ok() && first->next_cursor);
  auto rest = RankInWindows(more.Fetch(), {}, *first->next_cursor, 1000, 1000);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].key, 1);
}

TEST(SearchWindows, ForgedCursorsAreRefused) {
  FakeMatches matches = Matches(10);
  auto page = RankInWindows(matches.Fetch(), {}, "zz", 20, 1000);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().reason(), "invalid_cursor");
}

TEST(SearchWindows, CaptureKeysOrderByTimeAndRangesBoundThem) {
  TimePoint t = FromUnixSeconds(1767225600.5);
  EXPECT_EQ(CaptureKeyBase(t), 1767225600500 * kCaptureKeySlots);
  EXPECT_LT(CaptureKeyBase(t), CaptureKeyBase(AddSeconds(t, 0.001)));
  EXPECT_EQ(CaptureKeyBase(FromUnixSeconds(-0.0005)), -kCaptureKeySlots) << "before 1970: floor, not truncation";
  KeyBounds bounds = CaptureKeyBounds({t, AddSeconds(t, 60)});
  EXPECT_EQ(bounds.low, CaptureKeyBase(t));
  EXPECT_EQ(bounds.high, CaptureKeyBase(AddSeconds(t, 60)) - 1) << "to is exclusive";
  KeyBounds open = CaptureKeyBounds({});
  EXPECT_LT(open.low, CaptureKeyBase(FromUnixSeconds(-1e10)));
  EXPECT_GT(open.high, CaptureKeyBase(FromUnixSeconds(1e11)));
}

}  // namespace
}  // namespace reflexio
