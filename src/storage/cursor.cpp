#include "storage/cursor.h"

#include <cstdio>

namespace reflexio {

namespace {
std::string Hex(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<std::string> Unhex(const std::string& s) {
  auto bad = [] { return InvalidArgument("the cursor is not one this server issued", "invalid_cursor"); };
  if (s.size() % 2 != 0 || s.size() > 512) return bad();
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = s[i + k];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) return bad();
      v = v * 16 + d;
    }
    out += static_cast<char>(v);
  }
  return out;
}
}  // namespace

std::string EncodeKeysetCursor(const std::string& key, const std::string& id) { return Hex("k|" + key + "|" + id); }

Result<std::pair<std::string, std::string>> DecodeKeysetCursor(const std::string& cursor) {
  ASSIGN_OR_RETURN(std::string raw, Unhex(cursor));
  auto last = raw.rfind('|');
  if (raw.rfind("k|", 0) != 0 || last == std::string::npos || last < 2) {
    return InvalidArgument("the cursor is not one this server issued", "invalid_cursor");
  }
  return std::make_pair(raw.substr(2, last - 2), raw.substr(last + 1));
}

std::string EncodeWindowCursor(const WindowPosition& position) {
  return Hex("w|" + std::to_string(position.upper) + "|" + std::to_string(position.offset));
}

Result<WindowPosition> DecodeWindowCursor(const std::string& cursor) {
  ASSIGN_OR_RETURN(std::string raw, Unhex(cursor));
  WindowPosition position;
  char tail = 0;
  long long upper = 0, offset = 0;
  if (raw.rfind("w|", 0) != 0 || std::sscanf(raw.c_str() + 2, "%lld|%lld%c", &upper, &offset, &tail) != 2 ||
      offset < 0) {
    return InvalidArgument("the cursor is not one this server issued", "invalid_cursor");
  }
  position.upper = upper;
  position.offset = offset;
  return position;
}

}  // namespace reflexio
