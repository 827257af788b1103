// LocalHttpPeer: a small HTTP/1.1 server on 127.0.0.1 (port 0) for tests that need an outside
// service — a transcription server, a chat-completions model, Letta — to be really there. Each
// connection gets its own thread; every request is handed to `handler`, whose answer is sent
// back as is (keep-alive honoured). The destructor stops accepting, wakes blocked reads and
// joins every connection, so a handler that sleeps (to test client timeouts) delays it by that
// much. The handler runs on connection threads and must be thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"

namespace reflexio::testing {

struct PeerRequest {
  std::string method;  // "POST"
  std::string target;  // path and query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const;
};

struct PeerResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // more, as sent
};

class LocalHttpPeer {
 public:
  using Handler = std::function<PeerResponse(const PeerRequest&)>;
  explicit LocalHttpPeer(Handler handler);
  ~LocalHttpPeer();
  LocalHttpPeer(const LocalHttpPeer&) = delete;
  LocalHttpPeer& operator=(const LocalHttpPeer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  void Serve();

  struct Impl;
  std::unique_ptr<Impl> impl_;
  Handler handler_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  Mutex mutex_;
  std::vector<int> connection_fds_ GUARDED_BY(mutex_);
  std::vector<std::thread> connections_ GUARDED_BY(mutex_);
};

}  // namespace reflexio::testing
