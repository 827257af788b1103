// CuttingProxy: a TCP proxy on 127.0.0.1 (port 0) between a client and a server that, on command,
// refuses connections (a dead network), forwards each request but drops the answer and resets
// the client's connection (an answer lost on the way), or forwards each request and then holds
// the connection open without a byte back (a stalled network), or answers a WebSocket upgrade of
// /v1/stream with 404 and passes everything else (a server from before streaming). Test-only;
// thread-safe.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"

namespace reflexio::testing {

class CuttingProxy {
 public:
  enum class Mode { kPass, kRefuse, kLoseAnswers, kStall, kNoStreams };
  explicit CuttingProxy(int upstream_port);
  ~CuttingProxy();
  CuttingProxy(const CuttingProxy&) = delete;
  CuttingProxy& operator=(const CuttingProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Set(Mode mode) { mode_ = mode; }
  int answers_lost() const { return answers_lost_; }

 private:
  void Accept();
  void Relay(int client);
  // kNoStreams: true when the connection is done with — it asked for /v1/stream and was answered
  // 404 (or the server is gone); else what it sent first was passed on.
  bool RefusedAStream(int client, int server);

  int upstream_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<Mode> mode_{Mode::kPass};
  std::atomic<bool> stopping_{false};
  std::atomic<int> answers_lost_{0};
  std::thread acceptor_;
  Mutex mutex_;
  std::vector<std::thread> relays_ GUARDED_BY(mutex_);
};

}  // namespace reflexio::testing
