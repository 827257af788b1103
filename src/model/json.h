// How the records' JSON conversions (nlohmann::json) write the types the library does not know:
// std::optional as the value or null, and TimePoint as RFC 3339 UTC text. Include it wherever a
// record with such members is converted.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace nlohmann {

template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& value) {
    if (value) {
      j = *value;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& value) {
    if (j.is_null()) {
      value.reset();
    } else {
      value = j.get<T>();
    }
  }
};

template <>
struct adl_serializer<reflexio::TimePoint> {
  static void to_json(json& j, reflexio::TimePoint t) { j = reflexio::FormatRfc3339(t); }
  static void from_json(const json& j, reflexio::TimePoint& t) {
    auto parsed = reflexio::ParseRfc3339(j.get<std::string>());
    if (!parsed.ok()) throw json::other_error::create(501, parsed.status().message(), &j);
    t = *parsed;
  }
};

}  // namespace nlohmann
