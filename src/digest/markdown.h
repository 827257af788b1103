// The digest as Markdown: the same sections as the JSON document (digest/builder.h), statements
// followed by their source references ([S1]) and the sources listed at the end with their local
// time and quote. Text that came from speech is escaped so it can never become markup.
// Pure function.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace reflexio {

std::string RenderDigestMarkdown(const nlohmann::json& digest);
// `text` with Markdown's special characters escaped.
std::string EscapeMarkdown(const std::string& text);

}  // namespace reflexio
