// Reading a multipart/form-data body (RFC 7578), as the local HTTP peers receive uploads.
// Tests only; pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/http_client.h"

namespace reflexio::testing {

// The parts of `body`, in order; nullopt when `content_type` is not multipart/form-data with a
// boundary or the body does not follow it.
std::optional<std::vector<MultipartPart>> ParseMultipartForm(const std::string& content_type, const std::string& body);

// A parameter of a header value: `boundary` of a Content-Type, `name` of a Content-Disposition.
std::string HeaderParam(const std::string& header, const std::string& name);

}  // namespace reflexio::testing
