#include "core/testing/multipart.h"

#include <algorithm>
#include <cctype>

#include "core/strings.h"

namespace reflexio::testing {

std::string HeaderParam(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while ((pos = header.find(name + "=", pos)) != std::string::npos) {
    bool starts_word = pos == 0 || header[pos - 1] == ' ' || header[pos - 1] == ';';
    pos += name.size() + 1;
    if (!starts_word) continue;
    if (pos < header.size() && header[pos] == '"') {
      size_t end = header.find('"', pos + 1);
      return header.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
    }
    size_t end = header.find_first_of("; \r\n", pos);
    return header.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  }
  return "";
}

std::optional<std::vector<MultipartPart>> ParseMultipartForm(const std::string& content_type,
                                                             const std::string& body) {
  std::string boundary = HeaderParam(content_type, "boundary");
  if (content_type.rfind("multipart/form-data", 0) != 0 || boundary.empty()) return std::nullopt;
  const std::string delimiter = "--" + boundary;
  std::vector<MultipartPart> parts;
  size_t pos = body.find(delimiter);
  if (pos == std::string::npos) return std::nullopt;
  while (true) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) return parts;  // the closing delimiter
    if (body.compare(pos, 2, "\r\n") != 0) return std::nullopt;
    pos += 2;
    size_t header_end = body.find("\r\n\r\n", pos);
    if (header_end == std::string::npos) return std::nullopt;
    size_t next = body.find("\r\n" + delimiter, header_end + 4);
    if (next == std::string::npos) return std::nullopt;
    std::string headers = body.substr(pos, header_end - pos);
    std::string lower = AsciiLower(headers);
    MultipartPart part;
    part.name = HeaderParam(headers, "name");
    part.filename = HeaderParam(headers, "filename");
    size_t type_at = lower.find("content-type:");
    if (type_at != std::string::npos) {
      size_t start = headers.find_first_not_of(' ', type_at + 13);
      size_t end = headers.find("\r\n", start);
      part.content_type = headers.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    part.data = body.substr(header_end + 4, next - header_end - 4);
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

}  // namespace reflexio::testing
