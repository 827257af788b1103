// A WebSocket client of GET /v1/stream for the tests (Boost.Beast): it writes whatever a test
// asks, garbage included, and every wait for the server is bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace reflexio::testing {

class StreamClient {
 public:
  // Connects to base_url ("http://127.0.0.1:PORT") and asks to upgrade /v1/stream, sending
  // `headers` (Authorization…) with the request.
  StreamClient(const std::string& base_url, const std::vector<std::pair<std::string, std::string>>& headers);
  // With "Authorization: Bearer <key>".
  StreamClient(const std::string& base_url, const std::string& key);
  ~StreamClient();

  int upgrade_status() const { return upgrade_status_; }  // 101, or the status of the refusal
  const std::string& refusal_body() const { return refusal_body_; }

  // Each returns false once the connection is gone.
  bool SendText(const std::string& text);
  bool SendJson(const nlohmann::json& message) { return SendText(message.dump()); }
  bool SendBinary(const std::string& bytes);
  bool SendFrame(uint64_t seq, std::string_view payload);
  // Announces a binary message of `length` bytes and sends none of it (the frame header alone,
  // written past the WebSocket layer), as the start of one too large to send whole.
  bool SendFrameHeaderOnly(uint64_t length);
  // Gone without a close: the socket is reset.
  void Drop();

  struct Event {
    enum Kind { kMessage, kClosed, kTimeout, kGone } kind = kGone;
    nlohmann::json message;  // kMessage
    int close_code = 0;      // kClosed
    std::string close_reason;
  };
  // The next message, or how the connection ended; kTimeout leaves the client unusable.
  Event Next(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Reads until the connection closes (or `timeout` passes): the messages, then the close.
  std::vector<nlohmann::json> ReadUntilClosed(Event& end, std::chrono::milliseconds timeout = std::chrono::seconds(120));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int upgrade_status_ = 0;
  std::string refusal_body_;
};

}  // namespace reflexio::testing
