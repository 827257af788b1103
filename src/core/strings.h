// Small string helpers shared across modules. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace reflexio {

// `text` without leading and trailing spaces, tabs, carriage returns and line feeds.
std::string TrimWhitespace(std::string_view text);

}  // namespace reflexio
