// ChatClient: the OpenAI-compatible chat-completions API, `POST {base_url}/chat/completions`
// with the base URL ending in /v1 — as spoken by OpenAI, vLLM, llama.cpp's server, Ollama and
// others. It asks for structured output (response_format json_schema, or json_object for
// servers without schemas) and for token logprobs with top candidates when configured.
//
// Errors: transport failures, timeouts, 429 and 5xx are kUnavailable (worth another provider or
// a later try); other 4xx are kInvalidArgument with the server's message; an answer without a
// message is kUnavailable ("bad_response"). Thread-safe when the HttpClient is.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/http_client.h"
#include "core/status.h"
#include "llm/deepconf.h"

namespace reflexio {

struct ChatConfig {
  std::string base_url;  // e.g. https://api.openai.com/v1, http://127.0.0.1:8080/v1
  std::string api_key;   // sent as a bearer token; never logged
  std::string model;
  double timeout_s = 60;
  std::string response_format = "json_schema";  // json_schema | json_object | none
  bool logprobs = true;
  int top_logprobs = 5;
  int max_tokens = 1024;
};

struct ChatMessage {
  std::string role;  // system | user | assistant
  std::string content;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::string schema_name;  // names the structured output
  nlohmann::json schema;    // the JSON schema the answer must follow
};

struct ChatResponse {
  std::string content;
  std::vector<TokenLogprob> logprobs;  // empty when the server gave none
  std::string model;
  std::string finish_reason;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

class ChatClient {
 public:
  ChatClient(ChatConfig config, std::shared_ptr<HttpClient> http);
  Result<ChatResponse> Complete(const ChatRequest& request);
  const ChatConfig& config() const { return config_; }

 private:
  ChatConfig config_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace reflexio
