#include "http/websocket_connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "core/time.h"

namespace reflexio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::use_awaitable;

namespace {
// A close we asked for that the client does not complete (it does not read, or our last write
// never drains) ends in a plain teardown after this long.
constexpr auto kCloseGrace = std::chrono::seconds(5);
}  // namespace

WebSocketConnection::WebSocketConnection(beast::tcp_stream stream, WebSocketLimits limits)
    : ws_(std::move(stream)), limits_(limits), wake_(ws_.get_executor()) {}

void WebSocketConnection::SendText(std::string message) {
  // Inline when called on the strand (by the session as it reads a message), so order holds.
  asio::dispatch(ws_.get_executor(), [self = shared_from_this(), m = std::move(message)]() mutable {
    self->Enqueue(std::move(m));
  });
}

void WebSocketConnection::Close(CloseCode code, std::string reason) {
  asio::dispatch(ws_.get_executor(), [self = shared_from_this(), code, r = std::move(reason)]() mutable {
    self->RequestClose(code, std::move(r));
  });
}

void WebSocketConnection::Enqueue(std::string message) {
  if (ended_ || close_) return;
  if (queue_.size() >= WebSocketLimits::kMaxQueuedMessages) {
    queue_.clear();
    RequestClose(CloseCode::kNotReading, "the client does not read what the server sends");
    return;
  }
  queue_.push_back(std::move(message));
  Wake();
}

void WebSocketConnection::RequestClose(CloseCode code, std::string reason) {
  if (ended_ || close_) return;
  // A close frame's reason is at most 123 bytes.
  if (reason.size() > 123) reason.resize(123);
  websocket::close_reason close;
  close.code = static_cast<uint16_t>(code);
  close.reason = reason;
  close_ = close;
  close_asked_ = Clock::now();
  Wake();
}

awaitable<void> WebSocketConnection::Run(beast::http::request<beast::http::empty_body> request,
                                         std::shared_ptr<WebSocketSession> session) {
  auto self = shared_from_this();
  session_ = std::move(session);
  beast::get_lowest_layer(ws_).expires_never();
  // The upgrade and a close handshake are bounded by the stream; idleness is the watchdog's.
  ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "reflexio"); }));
  ws_.read_message_max(limits_.max_message_bytes);
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) last_pong_ = Clock::now();
  });
  boost::system::error_code ec;
  co_await ws_.async_accept(request, asio::redirect_error(use_awaitable, ec));
  if (!ec) {
    last_received_ = last_pong_ = Clock::now();
    session_->OnOpen(self);
    asio::co_spawn(ws_.get_executor(), [self] { return self->Write(); }, asio::detached);
    asio::co_spawn(ws_.get_executor(), [self] { return self->Watch(); }, asio::detached);
    co_await Read();
  }
  ended_ = true;
  queue_.clear();
  Wake();
  session_->OnEnd();
}

awaitable<void> WebSocketConnection::Read() {
  beast::flat_buffer buffer;
  asio::steady_timer pause(ws_.get_executor());
  while (true) {
    boost::system::error_code ec;
    co_await ws_.async_read(buffer, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;  // closed by either side, a message over the bound (Beast closed with 1009), or gone
    last_received_ = Clock::now();
    std::chrono::milliseconds wait{0};
    if (!close_) {  // once we close, what still arrives is not ours to read
      auto data = buffer.cdata();
      wait = session_->OnMessage(ws_.got_binary(),
                                 std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    buffer.clear();
    if (wait.count() > 0 && !close_) {
      pause.expires_after(wait);
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }
}

awaitable<void> WebSocketConnection::Write() {
  auto self = shared_from_this();
  while (!ended_) {
    boost::system::error_code ec;
    if (!queue_.empty()) {  // what the session sent before it closed still goes first
      std::string message = std::move(queue_.front());
      queue_.pop_front();
      ws_.text(true);
      co_await ws_.async_write(asio::buffer(message), asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;  // the reader sees the failure too
    } else if (close_) {
      co_await ws_.async_close(*close_, asio::redirect_error(use_awaitable, ec));
      co_return;
    } else if (ping_due_) {
      ping_due_ = false;
      co_await ws_.async_ping({}, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
    } else {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }
}

awaitable<void> WebSocketConnection::Watch() {
  auto self = shared_from_this();
  const auto idle = ToMilliseconds(limits_.idle_timeout_s), pong = ToMilliseconds(limits_.pong_timeout_s);
  const auto tick = std::clamp(std::min(idle, pong) / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
  asio::steady_timer timer(ws_.get_executor());
  auto last_ping = Clock::now();
  while (!ended_) {
    timer.expires_after(tick);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (ended_) co_return;
    auto now = Clock::now();
    if (close_) {
      if (now - close_asked_ > kCloseGrace) beast::get_lowest_layer(ws_).close();  // ends the reader
      continue;
    }
    if (now - last_received_ > idle) {
      RequestClose(CloseCode::kIdle, "nothing arrived for " + std::to_string(idle.count() / 1000) + " s");
    } else if (now - last_pong_ > pong) {
      RequestClose(CloseCode::kNotReading, "no pong came back for " + std::to_string(pong.count() / 1000) +
                                               " s: the client does not read what the server sends");
    } else if (now - last_ping >= pong / 3) {
      last_ping = now;
      ping_due_ = true;
      Wake();
    }
  }
}

}  // namespace reflexio
