// Helpers shared by the SQLite backend's translation units: stored times, row readers.
// Internal to src/storage; not part of any public header.
#pragma once

#include <string>

#include "core/time.h"
#include "storage/codecs.h"
#include "storage/database.h"
#include "storage/sqlite.h"

namespace reflexio::sqlite_rows {

inline TimePoint ParseStoredTime(const std::string& text) {
  auto t = ParseRfc3339(text);
  return t.ok() ? *t : TimePoint{};
}

inline constexpr const char* kSegmentColumns =
    "seq, start_s, end_s, captured_at, text, words_json, engine, language, index_terms, quality, quality_reasons";

inline Segment ReadSegment(const SqliteStatement& s, int first) {
  Segment seg;
  seg.seq = static_cast<int>(s.ColumnInt(first));
  seg.start_s = s.ColumnDouble(first + 1);
  seg.end_s = s.ColumnDouble(first + 2);
  seg.captured_at = ParseStoredTime(s.ColumnText(first + 3));
  seg.text = s.ColumnText(first + 4);
  seg.words = WordsFromJson(s.ColumnText(first + 5));
  seg.engine = s.ColumnText(first + 6);
  seg.language = s.ColumnText(first + 7);
  seg.index_terms = s.ColumnText(first + 8);
  seg.quality = s.ColumnText(first + 9);
  seg.quality_reasons = SplitReasons(s.ColumnText(first + 10));
  return seg;
}

}  // namespace reflexio::sqlite_rows
