// WebSocketConnection: one upgraded connection of the HttpServer — its reader, its writer and its
// watchdog, three coroutines on the connection's strand (the contract is in websocket.h).
// Internal to the http module: only server.cpp includes it.
#pragma once

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "http/websocket.h"

namespace reflexio {

struct WebSocketLimits {
  size_t max_message_bytes = 64 * 1024;
  double idle_timeout_s = 30;
  double pong_timeout_s = 30;
  static constexpr size_t kMaxQueuedMessages = 1024;
};

class WebSocketConnection : public WebSocketPeer, public std::enable_shared_from_this<WebSocketConnection> {
 public:
  WebSocketConnection(boost::beast::tcp_stream stream, WebSocketLimits limits);

  // Completes the upgrade of `request`, then serves the connection to `session` until it ends.
  boost::asio::awaitable<void> Run(boost::beast::http::request<boost::beast::http::empty_body> request,
                                   std::shared_ptr<WebSocketSession> session);

  void SendText(std::string message) override;
  void Close(CloseCode code, std::string reason) override;

 private:
  using Clock = std::chrono::steady_clock;
  boost::asio::awaitable<void> Read();
  boost::asio::awaitable<void> Write();
  boost::asio::awaitable<void> Watch();
  // These three run on the strand only, as everything below does.
  void Enqueue(std::string message);
  void RequestClose(CloseCode code, std::string reason);
  void Wake() { wake_.cancel(); }

  // Its executor is the connection's strand (the server accepts every socket on a strand of its own).
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  WebSocketLimits limits_;
  std::shared_ptr<WebSocketSession> session_;
  boost::asio::steady_timer wake_;  // the writer waits on it; cancelling it wakes the writer
  std::deque<std::string> queue_;
  std::optional<boost::beast::websocket::close_reason> close_;  // ours, once asked
  bool ping_due_ = false;
  bool ended_ = false;
  Clock::time_point close_asked_ = Clock::now();
  Clock::time_point last_received_ = Clock::now();
  Clock::time_point last_pong_ = Clock::now();
};

}  // namespace reflexio
