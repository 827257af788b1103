// The API contract: GET /v1/openapi.json describes exactly the routes the server has, is valid
// OpenAPI 3.1 by a standard validator, and the check every suite's answers go through
// (api_contract.h) catches an answer off the contract.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "api_contract.h"
#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kMethods = {"get", "put", "post", "delete", "patch"};

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// "{id}" and "{kind}" of a path template.
std::set<std::string> TemplateNames(const std::string& path) {
  std::set<std::string> names;
  static const std::regex kName(R"(\{([^}]+)\})");
  for (std::sregex_iterator it(path.begin(), path.end(), kName), end; it != end; ++it) names.insert((*it)[1]);
  return names;
}

std::set<std::string> PathParameterNames(const json& document, const json& item, const json& operation) {
  std::set<std::string> names;
  for (const json* list : {&item, &operation}) {
    for (const json& parameter : list->value("parameters", json::array())) {
      const json* resolved = &parameter;
      if (parameter.contains("$ref")) {
        std::string ref = parameter["$ref"];
        resolved = &document.at(json::json_pointer(ref.substr(1)));
      }
      if ((*resolved)["in"] == "path") names.insert((*resolved)["name"].get<std::string>());
    }
  }
  return names;
}

json ServedDocument(const ServerProcess& server) {
  auto response = Client(server.base_url(), "").Get("/v1/openapi.json");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("content-type"), "application/json");
  return json::parse(response.body, nullptr, false);
}

TEST(OpenApi, TheServedDocumentDescribesEveryRouteAndNoOther) {
  TempDir dir;
  ServerProcess server(dir / "data");
  json index = Client(server.base_url(), "").GetJson("/");
  json document = ServedDocument(server);
  ASSERT_TRUE(document.is_object());

  std::map<std::string, json> routes;  // "GET /v1/recordings" → the router's endpoint
  for (const json& endpoint : index["endpoints"]) routes[endpoint["method"].get<std::string>() + " " + endpoint["path"].get<std::string>()] = endpoint;
  std::set<std::string> documented;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const std::string& method : kMethods) {
      if (!item.contains(method)) continue;
      std::string route = Upper(method) + " " + path;
      documented.insert(route);
      const json& operation = item[method];
      auto found = routes.find(route);
      if (found == routes.end()) continue;  // reported below
      EXPECT_EQ(operation.value("summary", ""), found->second["summary"]) << route;
      bool open = operation.contains("security") && operation["security"].empty();
      EXPECT_EQ(open, found->second["auth"] == "none") << route << ": the document's security differs from the router's";
      bool operator_only = operation.value("security", json()) == json::parse(R"([{"operator": []}])");
      EXPECT_EQ(operator_only, found->second["auth"] == "operator") << route << ": operator routes take the operator scheme";
      EXPECT_EQ(PathParameterNames(document, item, operation), TemplateNames(path))
          << route << ": its path parameters are not the template's";
    }
  }
  for (const auto& [route, endpoint] : routes) {
    EXPECT_TRUE(documented.count(route)) << route << " is a route the document (src/api/openapi.json) lacks";
  }
  for (const std::string& route : documented) {
    EXPECT_TRUE(routes.count(route)) << route << " is in the document but the server has no such route";
  }
  EXPECT_EQ(documented.size(), routes.size());

  // What the suites' answers are checked against is what the server serves, less the router's summaries.
  json file = json::parse(ReadFileBytes(REFLEXIO_SOURCE_DIR "/src/api/openapi.json"));
  for (auto& [path, item] : document["paths"].items()) {
    for (const std::string& method : kMethods) {
      if (item.contains(method)) item[method].erase("summary");
    }
  }
  EXPECT_EQ(document, file) << "the served document is not src/api/openapi.json: rebuild the binary";
}

TEST(OpenApi, TheServedDocumentIsValidOpenApi31ByAStandardValidator) {
  TempDir dir;
  ServerProcess server(dir / "data");
  json document = ServedDocument(server);
  std::string output;
  EXPECT_EQ(RunOpenApiCheck("validate -", document.dump(), &output), 0) << output;
  EXPECT_NE(output.find("52 operations checked"), std::string::npos) << output;

  // The validator refuses what is not OpenAPI: a parameter in the body, a reference to nothing.
  json broken = document;
  broken["paths"]["/v1/search"]["get"]["parameters"][0]["in"] = "body";
  EXPECT_EQ(RunOpenApiCheck("validate -", broken.dump(), &output), 1) << output;
  EXPECT_NE(output.find("~1v1~1search"), std::string::npos) << output;
  broken = document;
  broken["components"]["schemas"]["Recording"]["properties"]["id"] = {{"$ref", "#/components/schemas/Nowhere"}};
  EXPECT_EQ(RunOpenApiCheck("validate -", broken.dump(), &output), 1) << output;
  EXPECT_NE(output.find("Nowhere"), std::string::npos) << output;
}

// The check every suite's answers go through passes real answers and names each kind of drift.
TEST(OpenApi, TheAnswerCheckPassesRealAnswersAndNamesAnAnswerOffTheContract) {
  TempDir dir;
  ServerProcess server(dir / "data");
  Client client(server.base_url(), server.first_run_key());
  auto upload = client.Upload(ReadFileBytes((SpeechDir() / "LJ001-0002.wav").string()), "audio/wav");
  ASSERT_EQ(upload.status, 202) << upload.body;
  std::string id = json::parse(upload.body)["id"];
  auto recording = client.Get("/v1/recordings/" + id);
  ASSERT_EQ(recording.status, 200);
  auto missing = client.Get("/v1/recordings/" + id + "x");
  ASSERT_EQ(missing.status, 404);
  auto no_route = client.Get("/v1/nothing-here");
  ASSERT_EQ(no_route.status, 404);
  auto wrong_method = client.SendJson("DELETE", "/v1/search", "");
  ASSERT_EQ(wrong_method.status, 405);
  std::string document = REFLEXIO_SOURCE_DIR "/src/api/openapi.json";
  std::string output;

  std::string real = AnswerLine("POST", "/v1/recordings", upload) + AnswerLine("GET", "/v1/recordings/" + id, recording) +
                     AnswerLine("GET", "/v1/recordings/" + id + "x?q=1", missing) +
                     AnswerLine("GET", "/v1/nothing-here", no_route) + AnswerLine("DELETE", "/v1/search", wrong_method);
  EXPECT_EQ(RunOpenApiCheck("responses " + document + " -", real, &output), 0) << output;
  EXPECT_NE(output.find("5 answers checked"), std::string::npos) << output;

  auto expect_refused = [&](HttpResponse answer, const std::string& path, const std::string& problem) {
    EXPECT_EQ(RunOpenApiCheck("responses " + document + " -", AnswerLine("GET", path, answer), &output), 1) << output;
    EXPECT_NE(output.find(problem), std::string::npos) << "expected '" << problem << "' in:\n" << output;
  };
  HttpResponse drifted = recording;
  json body = json::parse(drifted.body);
  body.erase("status");
  drifted.body = body.dump();
  expect_refused(drifted, "/v1/recordings/" + id, "must have required property 'status'");
  body = json::parse(recording.body);
  body["bytes"] = "many";
  drifted.body = body.dump();
  expect_refused(drifted, "/v1/recordings/" + id, "/bytes must be integer");
  drifted = recording;
  drifted.status = 418;
  expect_refused(drifted, "/v1/recordings/" + id, "status 418 is not documented");
  drifted = missing;
  drifted.body = R"({"error":"no such recording"})";
  expect_refused(drifted, "/v1/recordings/" + id, "/error must be object");
  drifted = recording;
  drifted.headers = {{"content-type", "text/html"}};
  expect_refused(drifted, "/v1/recordings/" + id, "media type 'text/html' is not one of [application/json]");
  expect_refused(recording, "/v1/recordings-by-day/today", "the document has no such operation");
  expect_refused(missing, "/v1/recordings", "status 404 is not documented for GET /v1/recordings");

  // A checker that gives up before reading its input fails the check; it does not kill the test program.
  EXPECT_EQ(RunOpenApiCheck("no-such-check", std::string(4 << 20, '\n'), &output), 2) << output;
  EXPECT_NE(output.find("usage:"), std::string::npos) << output;
}

}  // namespace
}  // namespace reflexio::testing
