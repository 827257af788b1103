// Router: method + path pattern ("/v1/recordings/{id}/audio") → handler, plus the request and
// response values handlers see. Handlers return a ServerResponse; failures are Status values
// turned into JSON errors {"error":{"code","message"}} by ErrorResponse().
//
// Routes are added at start-up, before the server runs; after that the Router is read-only and
// safe to share between threads.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/database.h"

namespace reflexio {

struct ServerRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;   // values of the {name} segments of the route pattern
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // routes that do not stream their body
  std::filesystem::path body_file;             // routes that stream their body to disk
  uint64_t body_bytes = 0;
  std::optional<Tenant> tenant;                // set for authenticated routes

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

struct Route {
  std::string method;
  std::string pattern;
  std::string summary;
  bool authenticated = true;
  bool streams_body = false;  // body goes to a temp file instead of memory
  // Runs after authentication and before the body is read (e.g. Content-Type checks).
  std::function<Status(const ServerRequest&)> before_body;
  std::function<ServerResponse(ServerRequest&)> handler;
};

class Router {
 public:
  void Add(Route route);
  // The common case: a route with only a handler (authenticated unless said otherwise).
  void Add(std::string method, std::string pattern, std::string summary,
           std::function<ServerResponse(ServerRequest&)> handler, bool authenticated = true);

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
