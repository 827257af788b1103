// The web app's browser sessions, as HTTP sees them: the session cookie, and the CSRF rule.
//
// A browser proves its session with the cookie `reflexio_session` (HttpOnly, SameSite=Strict,
// Secure behind TLS): a random secret the server keeps only as a hash. Because a browser sends
// cookies on its own, every state-changing request (anything but GET and HEAD) authenticated by
// the cookie must also carry `X-CSRF-Token`, which the page reads from GET /v1/session — a page
// of another site can neither read it nor set that header without our consent (we answer no CORS).
// An API key (Authorization: Bearer) needs neither and wins when both are sent. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/tenant.h"

namespace reflexio {

inline constexpr std::string_view kSessionCookieName = "reflexio_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

// Who a session cookie speaks for, and the CSRF token its state-changing requests must carry.
struct SessionCaller {
  Tenant tenant;
  std::string session_id;
  std::string csrf_token;
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), if present.
std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

// The Set-Cookie value that stores `token` for `max_age_s` seconds (0: deletes the cookie).
std::string SessionCookie(const std::string& token, int64_t max_age_s, bool secure);

// Whether `method` may change state, and so needs the CSRF token under a session cookie.
bool ChangesState(std::string_view method);

}  // namespace reflexio
