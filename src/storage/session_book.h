// SessionBook: the web app's sign-in links and the browser sessions they start.
//
// A sign-in link is spent once, before it expires, and starts one session; a session lives until
// it expires or is ended (signed out, or revoked from another device). Only SHA-256 hashes of the
// links' and sessions' secrets are stored. Finding a session by its hash and spending a link span
// tenants (that is how a request finds its tenant), as an API key's lookup does; everything else
// names the tenant it touches. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/tenant.h"

namespace reflexio {

class SessionBook {
 public:
  virtual ~SessionBook() = default;

  virtual Status AddSignInLink(const std::string& tenant_id, const std::string& link_hash, TimePoint created_at,
                               TimePoint expires_at) = 0;
  // Spends the link and starts `session` (its tenant_id filled in from the link) in one
  // transaction: nullopt, and nothing changed, when the link is unknown, already spent or expired
  // at `session.created_at`.
  virtual Result<std::optional<BrowserSession>> StartSessionWithLink(const std::string& link_hash,
                                                                     BrowserSession session,
                                                                     const std::string& token_hash) = 0;
  virtual Status StartSession(const BrowserSession& session, const std::string& token_hash) = 0;
  // The session whose secret has this hash, when it is neither ended nor expired at `now`.
  virtual Result<std::optional<BrowserSession>> SessionForTokenHash(const std::string& token_hash,
                                                                    TimePoint now) = 0;
  virtual Status TouchSession(const std::string& tenant_id, const std::string& session_id, TimePoint seen_at) = 0;
  // The tenant's live sessions at `now`, most recently seen first.
  virtual Result<std::vector<BrowserSession>> ListSessions(const std::string& tenant_id, TimePoint now) = 0;
  // False when the tenant has no such live session.
  virtual Result<bool> EndSession(const std::string& tenant_id, const std::string& session_id, TimePoint now) = 0;
};

}  // namespace reflexio
