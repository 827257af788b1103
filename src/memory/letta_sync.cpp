#include "memory/letta_sync.h"

#include <nlohmann/json.hpp>

#include "core/strings.h"

namespace reflexio {

using nlohmann::json;

LettaSync::LettaSync(LettaConfig config, std::shared_ptr<HttpClient> http, InsightStore& insights, Guard guard)
    : config_(std::move(config)), http_(std::move(http)), memory_(insights), guard_(std::move(guard)) {
  while (!config_.api_url.empty() && config_.api_url.back() == '/') config_.api_url.pop_back();
}

Result<HttpResponse> LettaSync::Call(const std::string& method, const std::string& path, const std::string& body) {
  HttpRequest request;
  request.method = method;
  request.url = config_.api_url + path;
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (!config_.api_key.empty()) request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  request.body = body;
  request.timeout_s = 30;
  ASSIGN_OR_RETURN(HttpResponse response, http_->Send(request));
  if (response.status < 200 || response.status >= 300) {
    return Unavailable("Letta at " + config_.api_url + " answered " + method + " " + path.substr(0, path.find('?')) +
                           " with HTTP " + std::to_string(response.status),
                       "letta_failed");
  }
  return response;
}

Status LettaSync::Ping() {
  ASSIGN_OR_RETURN(HttpResponse listed, Call("GET", "/v1/blocks/?limit=1", ""));
  if (!json::parse(listed.body, nullptr, false).is_array()) {
    return Unavailable("Letta's block list is not a JSON array", "letta_failed");
  }
  return Status::Ok();
}

Result<std::string> LettaSync::Sync(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(std::string memory, memory_.PromptContext(tenant_id, kBlockLimit - 100));
  ASSIGN_OR_RETURN(std::string value, guard_(tenant_id, memory.empty() ? "(nothing known yet)" : memory));
  const std::string label = BlockLabel(tenant_id);
  ASSIGN_OR_RETURN(HttpResponse found, Call("GET", "/v1/blocks/?label=" + PercentEncode(label), ""));
  json blocks = json::parse(found.body, nullptr, false);
  if (!blocks.is_array()) return Unavailable("Letta's block list is not a JSON array", "letta_failed");
  for (const json& block : blocks) {
    if (block.is_object() && block.value("label", "") == label && block.value("id", json()).is_string()) {
      std::string id = block["id"];
      RETURN_IF_ERROR(Call("PATCH", "/v1/blocks/" + PercentEncode(id), json{{"value", value}}.dump()).status());
      return id;
    }
  }
  json create = {{"label", label}, {"value", value}, {"limit", kBlockLimit},
                 {"description", "What Reflexio knows about this person: people, places, preferences, recurring "
                                 "topics and open commitments, learned from their recorded conversations."},
                 {"metadata", {{"source", "reflexio"}}}};
  ASSIGN_OR_RETURN(HttpResponse created, Call("POST", "/v1/blocks/", create.dump()));
  json block = json::parse(created.body, nullptr, false);
  if (!block.is_object() || !block.value("id", json()).is_string()) {
    return Unavailable("Letta created the block but returned no id", "letta_failed");
  }
  return block["id"].get<std::string>();
}

}  // namespace reflexio
