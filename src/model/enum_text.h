// Enums stored and sent as text: one table per enum gives both directions, so the words used in
// the databases, the API and the JSON documents are written once. Pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace reflexio {

template <typename E>
struct EnumText {
  E value;
  const char* text;
};

// The text of `value`; a value missing from its table is a broken invariant, answered with "".
template <typename E, size_t N>
const char* TextOf(const EnumText<E> (&table)[N], E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.text;
  }
  return "";
}

template <typename E, size_t N>
std::optional<E> EnumOf(const EnumText<E> (&table)[N], std::string_view text) {
  for (const auto& entry : table) {
    if (text == entry.text) return entry.value;
  }
  return std::nullopt;
}

}  // namespace reflexio

// JSON conversion of an enum E that has ToString(E) and Parse<E>(text) -> std::optional<E>
// beside it; unknown text does not convert (nlohmann::json::type_error).
#define REFLEXIO_ENUM_JSON(E, Parse)                                                       \
  inline void to_json(nlohmann::json& j, E value) { j = ToString(value); }                \
  inline void from_json(const nlohmann::json& j, E& value) {                              \
    auto parsed = Parse(j.get<std::string>());                                            \
    if (!parsed) throw nlohmann::json::other_error::create(501, "unknown " #E, &j);        \
    value = *parsed;                                                                      \
  }
