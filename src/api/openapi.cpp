#include "api/openapi.h"

#include "core/check.h"
#include "core/strings.h"

namespace reflexio {

using nlohmann::json;

namespace {

const json& StoredDocument() {
  static const json document = [] {
    json parsed = json::parse(OpenApiText(), nullptr, /*allow_exceptions=*/false);
    REFLEXIO_CHECK(parsed.is_object(), "src/api/openapi.json, compiled in, is not a JSON object");
    return parsed;
  }();
  return document;
}

}  // namespace

json OpenApiDocument(const Router& router) {
  json document = StoredDocument();
  json paths = json::object();
  for (const Route& route : router.routes()) {
    const json& item = document["paths"].value(route.pattern, json::object());
    std::string method = AsciiLower(route.method);
    if (!item.contains(method)) continue;
    json& served = paths[route.pattern];
    if (item.contains("parameters")) served["parameters"] = item["parameters"];
    served[method] = item[method];
    served[method]["summary"] = route.summary;
  }
  document["paths"] = std::move(paths);
  return document;
}

}  // namespace reflexio
