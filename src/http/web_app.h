// WebApp: serves the web app's files (built by web/build.mjs and compiled into the binary) beside
// the API on the same port.
//
// A GET or HEAD for one of the app's files gets it, gzip-compressed when the browser takes it,
// with an ETag (304 when unchanged) and cache headers: hashed files under /assets/ are immutable
// for a year; the page, the service worker and the manifest are revalidated every time. A
// browser asking for HTML (Accept: text/html) at any other path outside the API gets the app's
// page, whose own router shows the view; API clients keep getting JSON, at / too. Pages carry a
// content-security policy that admits only this origin (no CDN, no inline script).
//
// Everything is in memory: Serve never blocks, so it runs on the I/O threads. Thread-safe after
// construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.h"

namespace reflexio {

struct WebAsset {
  std::string_view path;          // "/assets/app-4F2A.js", "/index.html"
  std::string_view content_type;
  std::string_view body;
  std::string_view gzip;          // the body gzip-compressed; empty when not worth it
  std::string_view etag;          // a hash of the body, quoted
};

class WebApp {
 public:
  // `assets` must include "/index.html" for the app to be served; without it every request
  // that would get the page gets a JSON 503 saying the app was not built.
  explicit WebApp(std::vector<WebAsset> assets);

  // The answer when the request is the web app's, nothing when it is the API's.
  std::optional<ServerResponse> Serve(const ServerRequest& request) const;
  bool built() const { return index_ != nullptr; }

 private:
  ServerResponse Answer(const WebAsset& asset, const ServerRequest& request) const;
  std::vector<WebAsset> assets_;
  const WebAsset* index_ = nullptr;
};

// The files of the web app compiled into this binary (empty when npm was missing at build time).
std::vector<WebAsset> EmbeddedWebAssets();

}  // namespace reflexio
