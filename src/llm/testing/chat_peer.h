// A local HTTP peer speaking the OpenAI chat-completions API, for tests only.
//
// `POST /v1/chat/completions` answers in OpenAI's shape (choices[0].message.content,
// finish_reason, usage, and — when the request asks for logprobs — choices[0].logprobs.content
// with a logprob and top_logprobs per token). What it says is scripted per structured-output
// name (response_format.json_schema.name, or "" for requests without one): answers are used in
// order and the last repeats. An answer can also be an HTTP error or a delay (for client
// timeouts). Every request is recorded. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/testing/local_http_peer.h"

namespace reflexio::testing {

class ChatPeer {
 public:
  struct Answer {
    std::string content;
    double token_probability = 0.97;  // of each written token; the other candidates share the rest
    bool with_logprobs = true;        // false: answer as a server that offers none
    int status = 200;
    double delay_s = 0;
  };

  ChatPeer();
  std::string base_url() const { return server_->base_url() + "/v1"; }
  void Script(const std::string& schema_name, std::vector<Answer> answers);
  // Answers computed from each request (its JSON body), for tests whose transcript is not known
  // in advance (real speech through the recogniser). Takes precedence over a script.
  void Respond(const std::string& schema_name, std::function<Answer(const nlohmann::json& request)> respond);
  void RequireKey(const std::string& key);
  std::vector<nlohmann::json> requests();  // request bodies, in arrival order
  int count(const std::string& schema_name);

 private:
  PeerResponse Handle(const PeerRequest& request);

  Mutex mutex_;
  std::string required_key_ GUARDED_BY(mutex_);
  std::map<std::string, std::vector<Answer>> scripts_ GUARDED_BY(mutex_);
  std::map<std::string, std::function<Answer(const nlohmann::json&)>> responders_ GUARDED_BY(mutex_);
  std::map<std::string, size_t> served_ GUARDED_BY(mutex_);
  std::vector<nlohmann::json> requests_ GUARDED_BY(mutex_);
  std::unique_ptr<LocalHttpPeer> server_;  // last: stopped first
};

}  // namespace reflexio::testing
