// HttpServer: Boost.Beast over Asio coroutines, serving a Router.
//
// Per request: read the header (size- and time-limited) → match the route (404/405 JSON) →
// authenticate (401, before any body byte is read; a session cookie's state-changing request
// without its CSRF token is 403) → the route's before_body check → read the
// body into memory (JSON routes, small limit) or stream it piece by piece into the route's
// BodySink (uploads, large limit, 413 as soon as it is exceeded; answers `Expect: 100-continue`;
// nothing of the body touches the disk here) → run the handler or the sink's Finish →
// write the response → record metrics by route pattern. Every error is JSON.
//
// The I/O threads (`http_threads`) only read and write sockets; they never block. Whatever may
// block runs on a bounded pool while the connection's coroutine waits: authentication, the
// route's checks and its handler on `handler_threads` (database work), an upload's pieces and
// its sink's Finish on `upload_check_threads` (disk and decoding), so a burst of uploads being
// checked cannot hold up /health or a search. Heavy work still belongs to the worker.
// Start() and Stop() are called from one thread; Stop() waits for running handlers to finish.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/metrics.h"
#include "http/browser_session.h"
#include "http/router.h"
#include "http/web_app.h"

namespace reflexio {

// Resolves "Authorization: Bearer <key>" to a tenant, or an Unauthenticated status.
using Authenticator = std::function<Result<Tenant>(const std::string& bearer_key)>;
// Ok for an operator key; kPermissionDenied for a tenant's key, kUnauthenticated for any other.
using OperatorAuthenticator = std::function<Status(const std::string& bearer_key)>;
// Resolves a session cookie's secret to its live session, or an Unauthenticated status.
using SessionAuthenticator = std::function<Result<SessionCaller>(const std::string& session_token)>;

class HttpServer {
 public:
  // Without `authenticate_operator`, operator routes refuse every key (403); without
  // `authenticate_session`, session cookies are ignored.
  HttpServer(const Config& config, const Router& router, Metrics& metrics, Authenticator authenticate,
             OperatorAuthenticator authenticate_operator = nullptr, SessionAuthenticator authenticate_session = nullptr);
  ~HttpServer();

  // Also serves the web app's files and page (before the API's routes; see web_app.h). Call
  // before Start; `app` must outlive the server.
  void ServeWebApp(const WebApp* app);

  // Binds and starts serving; returns the bound port (useful with port 0).
  Result<int> Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reflexio
