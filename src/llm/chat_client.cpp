#include "llm/chat_client.h"

#include "core/strings.h"

namespace reflexio {

using nlohmann::json;

ChatClient::ChatClient(ChatConfig config, std::shared_ptr<HttpClient> http)
    : config_(std::move(config)), http_(std::move(http)) {
  config_.base_url = WithoutTrailingSlashes(config_.base_url);
}

Result<ChatResponse> ChatClient::Complete(const ChatRequest& request) {
  json body = {{"model", config_.model}, {"temperature", 0}, {"max_tokens", config_.max_tokens}};
  for (const auto& m : request.messages) body["messages"].push_back({{"role", m.role}, {"content", m.content}});
  if (config_.response_format == "json_schema" && !request.schema.is_null()) {
    body["response_format"] = {{"type", "json_schema"},
                               {"json_schema", {{"name", request.schema_name}, {"schema", request.schema}}}};
  } else if (config_.response_format != "none") {
    body["response_format"] = {{"type", "json_object"}};
  }
  if (config_.logprobs) {
    body["logprobs"] = true;
    body["top_logprobs"] = config_.top_logprobs;
  }
  HttpRequest http;
  http.method = "POST";
  http.url = config_.base_url + "/chat/completions";
  http.headers = {{"Content-Type", "application/json"}};
  if (!config_.api_key.empty()) http.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  http.body = body.dump();
  http.timeout_s = config_.timeout_s;
  ASSIGN_OR_RETURN(HttpResponse response, http_->Send(http));
  json answer = json::parse(response.body, nullptr, false);
  if (response.status != 200) {
    std::string message = "HTTP " + std::to_string(response.status);
    if (answer.is_object() && answer.contains("error") && answer["error"].is_object() &&
        answer["error"].value("message", "") != "") {
      message += ": " + answer["error"]["message"].get<std::string>();
    }
    if (response.status == 429 || response.status >= 500) {
      return Unavailable("the chat model at " + config_.base_url + " is unavailable (" + message + ")", "llm_unavailable");
    }
    return InvalidArgument("the chat model at " + config_.base_url + " refused the request (" + message + ")",
                           "llm_refused");
  }
  if (!answer.is_object() || !answer.contains("choices") || !answer["choices"].is_array() ||
      answer["choices"].empty() || !answer["choices"][0].contains("message") ||
      !answer["choices"][0]["message"].value("content", json()).is_string()) {
    return Unavailable("the chat model at " + config_.base_url + " answered without a message", "bad_response");
  }
  const json& choice = answer["choices"][0];
  ChatResponse out;
  out.content = choice["message"]["content"].get<std::string>();
  out.model = answer.value("model", config_.model);
  out.finish_reason = choice.value("finish_reason", json("")).is_string() ? choice.value("finish_reason", "") : "";
  if (answer.contains("usage") && answer["usage"].is_object()) {
    out.prompt_tokens = answer["usage"].value("prompt_tokens", 0);
    out.completion_tokens = answer["usage"].value("completion_tokens", 0);
  }
  if (choice.contains("logprobs") && choice["logprobs"].is_object() && choice["logprobs"].contains("content") &&
      choice["logprobs"]["content"].is_array()) {
    for (const json& t : choice["logprobs"]["content"]) {
      if (!t.is_object() || !t.value("logprob", json()).is_number()) continue;
      TokenLogprob token{t.value("token", ""), t["logprob"].get<double>(), {}};
      if (t.contains("top_logprobs") && t["top_logprobs"].is_array()) {
        for (const json& c : t["top_logprobs"]) {
          if (c.is_object() && c.value("logprob", json()).is_number()) token.top_logprobs.push_back(c["logprob"].get<double>());
        }
      }
      out.logprobs.push_back(std::move(token));
    }
  }
  return out;
}

}  // namespace reflexio
