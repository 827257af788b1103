// Helpers shared by the PostgreSQL backend's translation units: parameters, row readers.
// Internal to src/storage; not part of any public header.
#pragma once

#include <pqxx/pqxx>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

#include "core/time.h"
#include "storage/codecs.h"
#include "storage/cursor.h"
#include "storage/database.h"
#include "storage/row_mappers.h"

namespace reflexio::pg {

// A nullable text parameter: libpqxx sends a null const char* as SQL NULL.
class Param {
 public:
  Param() = default;
  Param(std::string value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Param(double value) { std::ostringstream s; s.precision(17); s << value; value_ = s.str(); }  // NOLINT
  Param(int64_t value) : value_(std::to_string(value)) {}  // NOLINT
  static Param Time(const std::optional<TimePoint>& t) { return t ? Param(ToUnixSeconds(*t)) : Param(); }
  static Param Optional(const std::optional<std::string>& s) { return s ? Param(*s) : Param(); }
  static Param Optional(const std::optional<double>& d) { return d ? Param(*d) : Param(); }
  const char* get() const { return value_ ? value_->c_str() : nullptr; }

 private:
  std::optional<std::string> value_;
};

template <typename... P>
inline pqxx::result Exec(pqxx::dbtransaction& tx, const std::string& sql, const P&... params) {
  return tx.exec_params(sql, params.get()...);
}

// A keyset cursor's time key: epoch seconds printed with every digit a double holds.
inline std::string EpochKey(TimePoint t) {
  std::ostringstream key;
  key.precision(17);
  key << ToUnixSeconds(t);
  return key.str();
}

// Where a keyset page starts — the time key (EpochKey) and id of the last row of the page before —
// as two parameters, NULL for the first page; kInvalidArgument for a cursor this server did not issue.
struct After {
  Param key, id;
};
inline Result<After> AfterCursor(const std::string& cursor) {
  if (cursor.empty()) return After{};
  ASSIGN_OR_RETURN(auto position, DecodeKeysetCursor(cursor));
  char* end = nullptr;
  std::strtod(position.first.c_str(), &end);
  if (position.first.empty() || *end != '\0') {
    return InvalidArgument("the cursor is not one this server issued", "invalid_cursor");
  }
  return After{Param(position.first), Param(position.second)};
}

// The audit entry, dated `now` unless it has a time (the one INSERT of both AppendAudit and the
// calls that audit what they change in the same transaction). Throws as libpqxx does.
void InsertAuditEntry(pqxx::dbtransaction& tx, const AuditEntry& entry, TimePoint now);

inline std::string Text(const pqxx::field& f) { return f.is_null() ? "" : f.c_str(); }
inline double Number(const pqxx::field& f) { return f.is_null() ? 0 : f.as<double>(); }

inline const char* kRecordingColumns =
    "tenant_id, id, status, error, content_type, original_bytes, body_sha256, idempotency_key, "
    "extract(epoch from captured_at), extract(epoch from received_at), extract(epoch from updated_at), "
    "duration_s, speech_s, source_path, audio_path, engine, language";

inline const char* kSegmentColumns =
    "seq, start_s, end_s, extract(epoch from captured_at), text, words_json, engine, language, index_terms, quality, "
    "quality_reasons";

// One row of a result; times are selected as epoch seconds (extract(epoch from …)).
class Row : public ColumnReader {
 public:
  explicit Row(const pqxx::row& row) : row_(row) {}
  bool IsNull(int column) const override { return row_[column].is_null(); }
  std::string Text(int column) const override { return pg::Text(row_[column]); }
  int64_t Int(int column) const override { return IsNull(column) ? 0 : row_[column].as<int64_t>(); }
  double Double(int column) const override { return Number(row_[column]); }
  bool Bool(int column) const override { return !IsNull(column) && row_[column].as<bool>(); }
  TimePoint Time(int column) const override { return FromUnixSeconds(Number(row_[column])); }

 private:
  const pqxx::row& row_;
};

}  // namespace reflexio::pg
