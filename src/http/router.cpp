#include "http/router.h"

#include <sstream>

namespace reflexio {

std::string ServerRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::optional<std::string> ServerRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

ServerResponse ServerResponse::Json(int status, const nlohmann::json& body) {
  ServerResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

ServerResponse ErrorResponse(const Status& status) {
  nlohmann::json error = {{"code", status.reason()}, {"message", status.message()}};
  if (status.details() != nullptr) error["details"] = *status.details();
  return ServerResponse::Json(HttpStatusFor(status.code()), {{"error", std::move(error)}});
}

namespace {
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

bool MatchPattern(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
  auto p = SplitPath(pattern), s = SplitPath(path);
  if (p.size() != s.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() > 2 && p[i].front() == '{' && p[i].back() == '}') {
      found[p[i].substr(1, p[i].size() - 2)] = PercentDecode(s[i], false);
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}
}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

void Router::Add(std::string method, std::string pattern, std::string summary,
                 Handler handler, bool authenticated) {
  Add(std::move(method), std::move(pattern), std::move(summary), std::move(handler),
      authenticated ? Access::kTenant : Access::kOpen);
}

void Router::Add(std::string method, std::string pattern, std::string summary, Handler handler, Access access) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.summary = std::move(summary);
  route.access = access;
  route.handler = std::move(handler);
  Add(std::move(route));
}

Router::Match Router::Find(const std::string& method, const std::string& path) const {
  Match match;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(route.pattern, path, params)) continue;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      match.route = &route;
      match.params = std::move(params);
      return match;
    }
    match.allowed_methods.push_back(route.method);
  }
  return match;
}

std::string PercentDecode(const std::string& text, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

void ParseTarget(const std::string& target, std::string& path, std::map<std::string, std::string>& query) {
  auto q = target.find('?');
  path = target.substr(0, q);
  if (q == std::string::npos) return;
  std::stringstream in(target.substr(q + 1));
  std::string pair;
  while (std::getline(in, pair, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq), true);
    query[key] = eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
  }
}

}  // namespace reflexio
