#include "http/browser_session.h"

#include "core/strings.h"

namespace reflexio {

std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    size_t end = cookie_header.find(';');
    std::string pair = TrimWhitespace(cookie_header.substr(0, end));
    cookie_header = end == std::string_view::npos ? std::string_view() : cookie_header.substr(end + 1);
    size_t equals = pair.find('=');
    if (equals == std::string::npos || TrimWhitespace(std::string_view(pair).substr(0, equals)) != name) continue;
    std::string value = TrimWhitespace(std::string_view(pair).substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::string SessionCookie(const std::string& token, int64_t max_age_s, bool secure) {
  std::string cookie = std::string(kSessionCookieName) + "=" + token + "; Path=/; Max-Age=" +
                       std::to_string(max_age_s) + "; HttpOnly; SameSite=Strict";
  if (secure) cookie += "; Secure";
  return cookie;
}

bool ChangesState(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

}  // namespace reflexio
