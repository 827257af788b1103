// Helpers shared by the PostgreSQL backend's translation units: parameters, row readers.
// Internal to src/storage; not part of any public header.
#pragma once

#include <pqxx/pqxx>

#include <optional>
#include <sstream>
#include <string>

#include "core/time.h"
#include "storage/codecs.h"
#include "storage/database.h"

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

inline std::string Text(const pqxx::field& f) { return f.is_null() ? "" : f.c_str(); }
inline double Number(const pqxx::field& f) { return f.is_null() ? 0 : f.as<double>(); }

inline const char* kSegmentColumns =
    "seq, start_s, end_s, extract(epoch from captured_at), text, words_json, engine, language, index_terms, quality, "
    "quality_reasons";

inline Segment ReadSegment(const pqxx::row& row, int first) {
  Segment s;
  s.seq = row[first].as<int>();
  s.start_s = row[first + 1].as<double>();
  s.end_s = row[first + 2].as<double>();
  s.captured_at = FromUnixSeconds(Number(row[first + 3]));
  s.text = Text(row[first + 4]);
  s.words = WordsFromJson(Text(row[first + 5]));
  s.engine = Text(row[first + 6]);
  s.language = Text(row[first + 7]);
  s.index_terms = Text(row[first + 8]);
  s.quality = Text(row[first + 9]);
  s.quality_reasons = SplitReasons(Text(row[first + 10]));
  return s;
}

}  // namespace reflexio::pg
