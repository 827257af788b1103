// The API's contract as OpenAPI 3.1: src/api/openapi.json, compiled in, holds every operation's
// parameters, bodies, responses and schemas; the router holds which routes exist and what each
// is for. GET /v1/openapi.json serves the two together: the document's operations for the
// routes this process serves, each with its route's summary.
//
// The document and the router are kept equal by OpenApi.* in tests/openapi_test.cpp, and every
// answer the integration suites receive is checked against it (tests/server_harness.h).
// Pure functions over immutable data; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "http/router.h"

namespace reflexio {

// The text of src/api/openapi.json.
std::string_view OpenApiText();

// The document for the routes on `router`: paths and operations the router lacks are left out,
// and each operation's summary is its route's.
nlohmann::json OpenApiDocument(const Router& router);

}  // namespace reflexio
