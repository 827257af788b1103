// BrowserSignIn: how a person signs in to the web app, and how its session cookie is checked.
//
// A one-time sign-in link (printed by `reflexio serve` on a first start and by `reflexio
// login-link`, or made from a signed-in device for another) or an API key pasted once starts a
// server-side session; the browser keeps only the session's secret, in an HttpOnly cookie, and
// never the key. The link's secret rides in the URL's fragment (…/signin#secret), which browsers
// do not send to servers, so it reaches no access log; the page posts it to POST /v1/session.
// Only SHA-256 hashes of links and sessions are stored. The CSRF token of a session is derived
// from its secret (HMAC), so it needs no storage and changes with every sign-in.
//
// Thread-safe: it keeps no state of its own beyond its options.
#pragma once

#include <string>

#include "core/time.h"
#include "http/browser_session.h"
#include "storage/session_book.h"
#include "storage/tenant_directory.h"

namespace reflexio {

struct SignInOptions {
  double link_minutes = 60;   // how long a sign-in link may wait to be used
  double session_days = 30;   // how long a session lasts from sign-in
};

class BrowserSignIn {
 public:
  BrowserSignIn(SessionBook& sessions, TenantDirectory& tenants, const Clock& clock, SignInOptions options = {})
      : sessions_(sessions), tenants_(tenants), clock_(clock), options_(options) {}

  struct Link {
    std::string url;  // base_url + "/signin#" + secret
    TimePoint expires_at;
  };
  Result<Link> MakeLink(const std::string& tenant_id, const std::string& base_url);

  struct Started {
    BrowserSession session;
    std::string token;       // the cookie's value; shown only here
    std::string csrf_token;
  };
  // kUnauthenticated (invalid_sign_in_link) for a link that is unknown, spent or expired.
  Result<Started> StartWithLink(const std::string& link_secret, const std::string& device);
  // kUnauthenticated (invalid_api_key) for a key that reaches no tenant.
  Result<Started> StartWithKey(const std::string& api_key, const std::string& device);
  // The live session of a cookie's secret; kUnauthenticated (invalid_session) otherwise.
  Result<SessionCaller> Authenticate(const std::string& token);
  // Ends the session whose cookie this is, if it is live (signing in again replaces it).
  Status EndByToken(const std::string& token);

  int64_t session_seconds() const { return static_cast<int64_t>(options_.session_days * 86400); }
  static std::string CsrfTokenFor(const std::string& session_token);

 private:
  BrowserSession NewSession(const std::string& tenant_id, const std::string& device) const;
  SessionBook& sessions_;
  TenantDirectory& tenants_;
  const Clock& clock_;
  SignInOptions options_;
};

}  // namespace reflexio
