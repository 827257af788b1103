// The digest as Markdown: the same sections as the document (model/digest_document.h), statements
// followed by their source references ([S1]) and the sources listed at the end with their local
// time and quote. Text that came from speech is escaped so it can never become markup.
// Pure function.
#pragma once

#include <string>

#include "model/digest_document.h"

namespace reflexio {

std::string RenderDigestMarkdown(const DigestDocument& digest);
// `text` with Markdown's special characters escaped.
std::string EscapeMarkdown(const std::string& text);

}  // namespace reflexio
