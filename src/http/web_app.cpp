#include "http/web_app.h"

#include "core/strings.h"

namespace reflexio {

namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool Accepts(const ServerRequest& request, std::string_view what) {
  return AsciiLower(request.Header("accept")).find(what) != std::string::npos;
}

// Paths the API answers whatever the client accepts.
bool IsApiPath(const std::string& path) {
  return path.rfind("/v1/", 0) == 0 || path == "/v1" || path == "/health" || path.rfind("/metrics/", 0) == 0;
}

}  // namespace

WebApp::WebApp(std::vector<WebAsset> assets) : assets_(std::move(assets)) {
  for (const auto& asset : assets_) {
    if (asset.path == "/index.html") index_ = &asset;
  }
}

std::optional<ServerResponse> WebApp::Serve(const ServerRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  if (IsApiPath(request.path)) return std::nullopt;
  for (const auto& asset : assets_) {
    if (asset.path == request.path) return Answer(asset, request);
  }
  if (!Accepts(request, "text/html")) return std::nullopt;
  if (index_ == nullptr) {
    return ErrorResponse(Unavailable("this server was built without its web app (npm was missing); the API works",
                                     "web_app_not_built"));
  }
  return Answer(*index_, request);
}

ServerResponse WebApp::Answer(const WebAsset& asset, const ServerRequest& request) const {
  ServerResponse response;
  response.content_type = std::string(asset.content_type);
  bool immutable = asset.path.rfind("/assets/", 0) == 0;
  response.headers = {{"ETag", std::string(asset.etag)},
                      {"Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache"},
                      {"Vary", "Accept-Encoding"},
                      {"X-Content-Type-Options", "nosniff"}};
  if (response.content_type.rfind("text/html", 0) == 0) {
    response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (asset.path == "/sw.js") response.headers.emplace_back("Service-Worker-Allowed", "/");
  if (request.Header("if-none-match") == asset.etag) {
    response.status = 304;
    return response;
  }
  if (!asset.gzip.empty() && AsciiLower(request.Header("accept-encoding")).find("gzip") != std::string::npos) {
    response.body = std::string(asset.gzip);
    response.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    response.body = std::string(asset.body);
  }
  return response;
}

}  // namespace reflexio
