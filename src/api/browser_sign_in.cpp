#include "api/browser_sign_in.h"

#include <chrono>

#include "core/ids.h"
#include "core/log.h"
#include "core/strings.h"
#include "crypto/api_key.h"
#include "crypto/digest.h"

namespace reflexio {

namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxDeviceChars = 160;
// last_seen_at is for the person's list of devices, not an audit trail: one write per few minutes.
constexpr double kTouchEveryS = 300;

std::string Shortened(const std::string& device) {
  std::string out;
  for (char c : device.substr(0, kMaxDeviceChars)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  return out.empty() ? "unknown browser" : out;
}

}  // namespace

std::string BrowserSignIn::CsrfTokenFor(const std::string& session_token) {
  return ToHex(HmacSha256(session_token, "reflexio csrf token"));
}

BrowserSession BrowserSignIn::NewSession(const std::string& tenant_id, const std::string& device) const {
  TimePoint now = clock_.Now();
  return {tenant_id, NewId(), Shortened(device), now, now, AddSeconds(now, options_.session_days * 86400)};
}

Result<BrowserSignIn::Link> BrowserSignIn::MakeLink(const std::string& tenant_id, const std::string& base_url) {
  std::string secret = RandomBase64Url(kSecretBytes);
  TimePoint now = clock_.Now();
  TimePoint expires_at = AddSeconds(now, options_.link_minutes * 60);
  RETURN_IF_ERROR(sessions_.AddSignInLink(tenant_id, Sha256Hex(secret), now, expires_at));
  return Link{WithoutTrailingSlashes(base_url) + "/signin#" + secret, expires_at};
}

Result<BrowserSignIn::Started> BrowserSignIn::StartWithLink(const std::string& link_secret, const std::string& device) {
  std::string token = RandomBase64Url(kSecretBytes);
  ASSIGN_OR_RETURN(auto session, sessions_.StartSessionWithLink(Sha256Hex(link_secret), NewSession("", device),
                                                                Sha256Hex(token)));
  if (!session) {
    return Status(ErrorCode::kUnauthenticated, "invalid_sign_in_link",
                  "this sign-in link is unknown, already used or expired; make another with "
                  "`reflexio login-link --tenant NAME`");
  }
  return Started{*session, token, CsrfTokenFor(token)};
}

Result<BrowserSignIn::Started> BrowserSignIn::StartWithKey(const std::string& api_key, const std::string& device) {
  auto bad = Status(ErrorCode::kUnauthenticated, "invalid_api_key", "the API key is not valid");
  if (!LooksLikeApiKey(api_key)) return bad;
  ASSIGN_OR_RETURN(auto tenant, tenants_.TenantForKeyHash(HashApiKey(api_key)));
  if (!tenant) return bad;
  std::string token = RandomBase64Url(kSecretBytes);
  BrowserSession session = NewSession(tenant->id, device);
  RETURN_IF_ERROR(sessions_.StartSession(session, Sha256Hex(token)));
  return Started{session, token, CsrfTokenFor(token)};
}

Result<SessionCaller> BrowserSignIn::Authenticate(const std::string& token) {
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto session, sessions_.SessionForTokenHash(Sha256Hex(token), now));
  if (!session) {
    return Status(ErrorCode::kUnauthenticated, "invalid_session",
                  "this browser's session has ended or expired; sign in again");
  }
  if (std::chrono::duration<double>(now - session->last_seen_at).count() >= kTouchEveryS) {
    Status touched = sessions_.TouchSession(session->tenant_id, session->id, now);
    if (!touched.ok()) LOG_WARN("cannot note a session as seen: " << touched.message());
  }
  return SessionCaller{Tenant{session->tenant_id, ""}, session->id, CsrfTokenFor(token)};
}

Status BrowserSignIn::EndByToken(const std::string& token) {
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto session, sessions_.SessionForTokenHash(Sha256Hex(token), now));
  if (session) RETURN_IF_ERROR(sessions_.EndSession(session->tenant_id, session->id, now).status());
  return Status::Ok();
}

}  // namespace reflexio
