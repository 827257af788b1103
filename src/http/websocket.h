// WebSocket routes: the seam between the HTTP server, which owns the connection, and what a
// route does with its messages.
//
// A route with `open_websocket` (router.h) is upgraded once its request is authenticated like
// any other (401/403 JSON before the upgrade, 426 without an upgrade; a browser's cookie is
// taken only from a page of the same origin). The server then reads messages one at a time (each at most
// `stream_max_message_bytes`, else it closes with 1009) and hands each to the session on the
// connection's strand; the session answers how long to wait before the next read, which is how
// a sender is slowed. It writes what the session sends through its WebSocketPeer, in order,
// pings the client and closes with 4429 when no pong comes back in `stream_pong_timeout_s` (a
// client that never reads) or when more than kMaxQueuedMessages wait to be written, and closes
// with 4408 when nothing arrives in `stream_idle_timeout_s`. Close codes are in docs/streaming.md.
//
// Threads: OnMessage and OnEnd run on the connection's strand, never concurrently, and must not
// block (hand slow work to a pool). A WebSocketPeer may be used from any thread, also after the
// connection ended (its calls then do nothing).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace reflexio {

// Close codes of our own (4000–4999 are the application's), named after their HTTP kin.
enum class CloseCode : uint16_t {
  kNormal = 1000,         // the client ended the stream and everything it sent is accounted for
  kGoingAway = 1001,      // the server is stopping
  kTooBig = 1009,         // a message over the size bound
  kInternal = 1011,       // the server failed; resume later
  kBadMessage = 4400,     // not the protocol: garbage, a frame before start, a gap in sequence
  kPaymentRequired = 4402,  // the plan's speech allowance for today is used
  kIdle = 4408,           // nothing arrived for too long
  kReplaced = 4409,       // a newer connection took over the same stream
  kNotReading = 4429,     // the client does not read what the server sends
};

class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  // Queues a text message for the client.
  virtual void SendText(std::string message) = 0;
  // Sends what is queued, then the close frame; nothing is read or sent after it.
  virtual void Close(CloseCode code, std::string reason) = 0;
};

class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;
  // The upgrade is complete: what the session sends goes through `peer`.
  virtual void OnOpen(std::shared_ptr<WebSocketPeer> peer) = 0;
  // One message from the client; answers how long to wait before reading the next one.
  virtual std::chrono::milliseconds OnMessage(bool binary, std::string_view data) = 0;
  // The connection ended, whoever ended it; called once, last.
  virtual void OnEnd() = 0;
};

}  // namespace reflexio
