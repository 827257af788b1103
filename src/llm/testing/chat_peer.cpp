#include "llm/testing/chat_peer.h"

#include <chrono>
#include <cmath>
#include <thread>

namespace reflexio::testing {

using nlohmann::json;

namespace {

json Error(const std::string& message, const std::string& type) {
  return {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
}

// Tokens of about four bytes, never splitting a UTF-8 character.
std::vector<std::string> Tokens(const std::string& text) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + 4);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    tokens.push_back(text.substr(i, end - i));
    i = end;
  }
  return tokens;
}

}  // namespace

ChatPeer::ChatPeer() {
  server_ = std::make_unique<LocalHttpPeer>([this](const PeerRequest& request) { return Handle(request); });
}

void ChatPeer::Script(const std::string& schema_name, std::vector<Answer> answers) {
  MutexLock lock(mutex_);
  scripts_[schema_name] = std::move(answers);
  served_[schema_name] = 0;
}

void ChatPeer::RequireKey(const std::string& key) {
  MutexLock lock(mutex_);
  required_key_ = key;
}

void ChatPeer::Respond(const std::string& schema_name, std::function<Answer(const json&)> respond) {
  MutexLock lock(mutex_);
  responders_[schema_name] = std::move(respond);
}

std::vector<json> ChatPeer::requests() {
  MutexLock lock(mutex_);
  return requests_;
}

int ChatPeer::count(const std::string& schema_name) {
  MutexLock lock(mutex_);
  return static_cast<int>(served_[schema_name]);
}

PeerResponse ChatPeer::Handle(const PeerRequest& request) {
  PeerResponse response;
  if (request.method != "POST" || request.target != "/v1/chat/completions") {
    response.status = 404;
    response.body = Error("Unknown request URL: " + request.method + " " + request.target, "invalid_request_error").dump();
    return response;
  }
  json body = json::parse(request.body, nullptr, false);
  Answer answer;
  std::function<Answer(const json&)> respond;
  {
    MutexLock lock(mutex_);
    if (!required_key_.empty() && request.Header("authorization") != "Bearer " + required_key_) {
      response.status = 401;
      response.body = Error("Incorrect API key provided", "invalid_request_error").dump();
      return response;
    }
    if (!body.is_object() || !body.value("model", json()).is_string() || !body.contains("messages") ||
        !body["messages"].is_array() || body["messages"].empty()) {
      response.status = 400;
      response.body = Error("'model' and a non-empty 'messages' array are required", "invalid_request_error").dump();
      return response;
    }
    for (const json& m : body["messages"]) {
      if (!m.is_object() || !m.value("role", json()).is_string() || !m.value("content", json()).is_string()) {
        response.status = 400;
        response.body = Error("each message needs a 'role' and a string 'content'", "invalid_request_error").dump();
        return response;
      }
    }
    requests_.push_back(body);
    std::string name;
    if (body.contains("response_format") && body["response_format"].value("type", "") == "json_schema") {
      name = body["response_format"]["json_schema"].value("name", "");
    }
    auto responder = responders_.find(name);
    auto script = scripts_.find(name);
    if (responder != responders_.end()) {
      respond = responder->second;
      ++served_[name];
    } else if (script == scripts_.end() || script->second.empty()) {
      response.status = 500;
      response.body = Error("the test peer has no answer scripted for '" + name + "'", "server_error").dump();
      return response;
    }
    if (!respond) {
      size_t& served = served_[name];
      answer = script->second[std::min(served, script->second.size() - 1)];
      ++served;
    }
  }
  if (respond) answer = respond(body);
  if (answer.delay_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(answer.delay_s));
  if (answer.status != 200) {
    response.status = answer.status;
    response.body = Error("the test peer was told to fail", answer.status == 429 ? "rate_limit_error" : "server_error").dump();
    return response;
  }
  std::vector<std::string> tokens = Tokens(answer.content);
  json choice = {{"index", 0}, {"message", {{"role", "assistant"}, {"content", answer.content}}},
                 {"finish_reason", "stop"}, {"logprobs", nullptr}};
  if (body.value("logprobs", false) && answer.with_logprobs) {
    int k = std::max(1, body.value("top_logprobs", 0));
    double written = std::log(answer.token_probability);
    double other = std::log((1 - answer.token_probability) / std::max(1, k - 1));
    json content = json::array();
    for (const std::string& token : tokens) {
      json top = json::array({{{"token", token}, {"logprob", written}}});
      for (int c = 1; c < k; ++c) top.push_back({{"token", "~" + std::to_string(c)}, {"logprob", other}});
      content.push_back({{"token", token}, {"logprob", written},
                         {"bytes", json::array()}, {"top_logprobs", top}});
    }
    choice["logprobs"] = {{"content", content}};
  }
  size_t prompt_chars = 0;
  for (const json& m : body["messages"]) prompt_chars += m["content"].get<std::string>().size();
  json out = {{"id", "chatcmpl-peer"}, {"object", "chat.completion"}, {"created", 1764000000},
              {"model", body["model"]}, {"choices", json::array({choice})},
              {"usage", {{"prompt_tokens", (prompt_chars + 3) / 4}, {"completion_tokens", tokens.size()},
                         {"total_tokens", (prompt_chars + 3) / 4 + tokens.size()}}}};
  response.body = out.dump();
  return response;
}

}  // namespace reflexio::testing
