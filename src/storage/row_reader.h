// ColumnReader: one result row as both backends present it, so that each record's row mapper
// (row_mappers.h) is written once. SQLite stores times as RFC 3339 text, PostgreSQL selects them
// as epoch seconds; the reader hides that, and the mappers read by column position.
//
// A reader borrows the row it wraps and is used on the thread that fetched it. Reading a NULL
// gives "", 0 or the epoch; mappers ask IsNull() where NULL means something.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace reflexio {

class ColumnReader {
 public:
  virtual ~ColumnReader() = default;
  virtual bool IsNull(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual bool Bool(int column) const = 0;
  virtual TimePoint Time(int column) const = 0;

  std::optional<std::string> OptionalText(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<std::string>(Text(column));
  }
  std::optional<double> OptionalDouble(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<double>(Double(column));
  }
  std::optional<TimePoint> OptionalTime(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<TimePoint>(Time(column));
  }
};

}  // namespace reflexio
