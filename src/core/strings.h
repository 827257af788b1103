// Small string helpers shared across modules. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace reflexio {

// `text` without leading and trailing spaces, tabs, carriage returns and line feeds.
std::string TrimWhitespace(std::string_view text);
// `text` without any '/' at its end: a base URL to which "/path" is appended.
std::string WithoutTrailingSlashes(std::string_view text);
// `text` with A–Z lowered; other bytes (UTF-8 included) as they are.
std::string AsciiLower(std::string_view text);
// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - _ . ~), for a
// URL's path segment or query value and for application/x-www-form-urlencoded bodies.
std::string PercentEncode(std::string_view text);

}  // namespace reflexio
