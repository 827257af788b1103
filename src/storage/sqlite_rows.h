// Helpers shared by the SQLite backend's translation units: stored times, the row reader.
// Internal to src/storage; not part of any public header.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "storage/codecs.h"
#include "storage/cursor.h"
#include "storage/database.h"
#include "storage/row_mappers.h"
#include "storage/sqlite.h"

namespace reflexio::sqlite_rows {

inline TimePoint ParseStoredTime(const std::string& text) {
  auto t = ParseRfc3339(text);
  return t.ok() ? *t : TimePoint{};
}

inline constexpr const char* kRecordingColumns =
    "tenant_id, id, status, error, content_type, original_bytes, body_sha256, idempotency_key, captured_at, "
    "received_at, updated_at, duration_s, speech_s, source_path, audio_path, engine, language";
inline constexpr const char* kSegmentColumns =
    "seq, start_s, end_s, captured_at, text, words_json, engine, language, index_terms, quality, quality_reasons";

// The current row of a stepped statement; times are stored as RFC 3339 text.
class SqliteRow : public ColumnReader {
 public:
  explicit SqliteRow(const SqliteStatement& statement) : s_(statement) {}
  bool IsNull(int column) const override { return s_.ColumnIsNull(column); }
  std::string Text(int column) const override { return s_.ColumnText(column); }
  int64_t Int(int column) const override { return s_.ColumnInt(column); }
  double Double(int column) const override { return s_.ColumnDouble(column); }
  bool Bool(int column) const override { return s_.ColumnInt(column) != 0; }
  TimePoint Time(int column) const override { return ParseStoredTime(s_.ColumnText(column)); }

 private:
  const SqliteStatement& s_;
};

// Binds the bounds of `range` at ?at and ?at+1 as stored times; NULL where it is open.
inline void BindRange(SqliteStatement& statement, int at, const TimeRange& range) {
  if (range.from) statement.Bind(at, FormatRfc3339(*range.from)); else statement.BindNull(at);
  if (range.to) statement.Bind(at + 1, FormatRfc3339(*range.to)); else statement.BindNull(at + 1);
}

// Binds where a keyset page starts — the (time, id) of the last row of the page before — at ?at
// and ?at+1, or NULLs for the first page; kInvalidArgument for a cursor this server did not issue.
inline Status BindAfter(SqliteStatement& statement, int at, const std::string& cursor) {
  if (cursor.empty()) {
    statement.BindNull(at);
    statement.BindNull(at + 1);
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(auto position, DecodeKeysetCursor(cursor));
  if (!ParseRfc3339(position.first).ok()) {
    return InvalidArgument("the cursor is not one this server issued", "invalid_cursor");
  }
  statement.Bind(at, position.first);
  statement.Bind(at + 1, position.second);
  return Status::Ok();
}

// The audit entry, dated `now` unless it has a time (the one INSERT of both AppendAudit and the
// calls that audit what they change in the same transaction).
Status InsertAuditEntry(SqliteConnection& db, const AuditEntry& entry, TimePoint now);

// Steps `statement` to its end and maps each row with `read(const SqliteRow&)`.
template <typename Read>
auto ReadRows(SqliteStatement& statement, Read read)
    -> Result<std::vector<decltype(read(std::declval<const SqliteRow&>()))>> {
  std::vector<decltype(read(std::declval<const SqliteRow&>()))> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool more, statement.Step());
    if (!more) return rows;
    rows.push_back(read(SqliteRow(statement)));
  }
}

// Steps `statement` once: the row mapped with `read`, or nothing when there is none.
template <typename Read>
auto ReadOne(SqliteStatement& statement, Read read)
    -> Result<std::optional<decltype(read(std::declval<const SqliteRow&>()))>> {
  using Record = decltype(read(std::declval<const SqliteRow&>()));
  ASSIGN_OR_RETURN(bool found, statement.Step());
  if (!found) return std::optional<Record>();
  return std::optional<Record>(read(SqliteRow(statement)));
}

}  // namespace reflexio::sqlite_rows
