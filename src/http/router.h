// Router: method + path pattern ("/v1/recordings/{id}/audio") → handler, plus the request and
// response values handlers see. A handler returns its answer or the Status of its failure; the
// server turns a Status into the JSON error {"error":{"code","message"}} (ErrorResponse()).
//
// Routes are added at start-up, before the server runs; after that the Router is read-only and
// safe to share between threads.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/websocket.h"
#include "model/tenant.h"

namespace reflexio {

struct ServerRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;   // values of the {name} segments of the route pattern
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // routes that do not stream their body
  uint64_t body_bytes = 0;
  std::optional<Tenant> tenant;                // set for authenticated routes
  std::string session_id;                      // set when a browser's session cookie authenticated it

  std::string Header(const std::string& lower_name) const;
  std::optional<std::string> Query(const std::string& name) const;
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static ServerResponse Json(int status, const nlohmann::json& body);
};

ServerResponse ErrorResponse(const Status& status);

// Where a streamed body goes, piece by piece, as it arrives (on the server's upload pool, one
// call at a time). Finish answers the request once the whole body is in; a sink destroyed
// without Finish (the client went away, the body was too large, a write failed) must keep
// nothing of it.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status Write(std::string_view bytes) = 0;
  virtual Result<ServerResponse> Finish(ServerRequest& request) = 0;
};

using Handler = std::function<Result<ServerResponse>(ServerRequest&)>;

// Who may call a route: anyone; a tenant, by its API key or a browser's session cookie
// (http/browser_session.h; the request then carries the tenant); or the operator, by an operator
// key (never a tenant's, never a cookie).
enum class Access { kOpen, kTenant, kOperator };

struct Route {
  std::string method;
  std::string pattern;
  std::string summary;
  Access access = Access::kTenant;
  // Runs after authentication and before the body is read (e.g. Content-Type checks).
  std::function<Status(const ServerRequest&)> before_body;
  Handler handler;
  // Set for routes whose body is too large for memory (uploads): it is streamed into the sink
  // this returns, under the upload size limit, and the sink answers instead of `handler`.
  std::function<Result<std::unique_ptr<BodySink>>(ServerRequest&)> open_body;
  bool streams_body() const { return static_cast<bool>(open_body); }
  // Set for WebSocket routes (http/websocket.h): once authenticated, the request is upgraded and
  // its messages go to the session this opens; an error answers the request instead.
  std::function<Result<std::shared_ptr<WebSocketSession>>(ServerRequest&)> open_websocket;
};

class Router {
 public:
  void Add(Route route);
  // The common case: a route with only a handler (a tenant's unless said otherwise).
  void Add(std::string method, std::string pattern, std::string summary,
           Handler handler, bool authenticated = true);
  void Add(std::string method, std::string pattern, std::string summary, Handler handler, Access access);

  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed_methods;  // when the path exists but not for this method
  };
  Match Find(const std::string& method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Splits "/a/b?x=1&y=%20" into path and decoded query parameters.
void ParseTarget(const std::string& target, std::string& path, std::map<std::string, std::string>& query);
std::string PercentDecode(const std::string& text, bool plus_is_space);

}  // namespace reflexio
