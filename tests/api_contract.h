// The API contract, checked on every answer the integration suites receive: Client (server_harness.h)
// hands each answer here, and when the test program ends they are checked against
// src/api/openapi.json by tests/peers/openapi-check.mjs (Ajv over the document's schemas). An
// answer off the contract — an undocumented status, a media type the document does not give, a
// JSON body its schema refuses — fails the program with one line per problem.
//
// Answers are kept in memory only (they hold what people said) and piped to the checker.
// Thread-safe.
#pragma once

#include <string>

#include "core/http_client.h"

namespace reflexio::testing {

// Keeps `response`, the answer to `method` on `url` (the query is ignored), for the check at exit.
void RecordAnswer(const std::string& method, const std::string& url, const HttpResponse& response);

// Runs `node tests/peers/openapi-check.mjs ARGS…` with `input` on its standard input; returns its
// exit status (127 when it cannot run) and fills `output` with what it printed.
int RunOpenApiCheck(const std::string& args, const std::string& input, std::string* output);

// One JSON line for the checker: {"method","path","status","content_type","body"}.
std::string AnswerLine(const std::string& method, const std::string& url, const HttpResponse& response);

}  // namespace reflexio::testing
