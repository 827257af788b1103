#include "edge/frame_streamer.h"

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast.hpp>
#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "audio/stream_frame.h"
#include "core/log.h"
#include "core/strings.h"

namespace reflexio {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using nlohmann::json;
using ErrorCodeOf = boost::system::error_code;

constexpr size_t kFramesPerRead = 50;
constexpr auto kPoll = std::chrono::milliseconds(20);  // how soon a newly spooled frame goes
constexpr int kFrameMs = 20;

struct Endpoint {
  std::string host, port, target;
};

// http://host[:port][/prefix] → the host, port and /v1/stream under the prefix.
Result<Endpoint> StreamEndpoint(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return InvalidArgument("the server URL '" + url + "' is not a URL");
  }
  auto part = [&](CURLUPart which, unsigned flags) {
    char* value = nullptr;
    std::string text;
    if (curl_url_get(parsed.get(), which, &value, flags) == CURLUE_OK && value != nullptr) text = value;
    curl_free(value);
    return text;
  };
  if (part(CURLUPART_SCHEME, 0) != "http") {
    return InvalidArgument("streaming speaks ws:// to an http:// server URL, not " + url);
  }
  return Endpoint{part(CURLUPART_HOST, 0), part(CURLUPART_PORT, CURLU_DEFAULT_PORT),
                  WithoutTrailingSlashes(part(CURLUPART_PATH, 0)) + "/v1/stream"};
}

// A server's message field, when it is there and of that kind: the server is not trusted to be well-formed.
std::string TypeOf(const json& message) {
  auto type = message.is_object() ? message.find("type") : message.end();
  return message.is_object() && type != message.end() && type->is_string() ? type->get<std::string>() : "";
}

std::optional<uint64_t> SeqOf(const json& message, const char* name) {
  auto field = message.find(name);
  if (field == message.end() || !field->is_number_unsigned()) return std::nullopt;
  return field->get<uint64_t>();
}

}  // namespace

// One connection's state; everything runs on one thread (the io_context's), so nothing is locked.
struct FrameStreamer::Connection {
  explicit Connection(asio::io_context& io) : ws(io), poll(io) {}
  websocket::stream<beast::tcp_stream> ws;
  asio::steady_timer poll;
  SpooledStream stream;
  std::optional<uint64_t> resume;  // from `ready`
  uint64_t next_seq = 0;
  bool end_sent = false, reading_done = false, finished = false;
  std::optional<uint64_t> acknowledged;
  int upgrade_status = 0;
  std::optional<websocket::close_reason> closed;  // by the server
  std::string error;
  int64_t frames_sent = 0;
};

FrameStreamer::FrameStreamer(FrameSpool& spool, StreamerOptions options)
    : spool_(spool), options_(std::move(options)),
      backoff_(options_.backoff_base_s, options_.backoff_max_s, options_.random01) {}

StreamOutcome FrameStreamer::Interrupted(std::string error, std::optional<double> asked_s) {
  StreamOutcome outcome;
  outcome.kind = StreamOutcome::kInterrupted;
  outcome.retry_in_s = backoff_.Failed(asked_s);
  outcome.error = std::move(error);
  return outcome;
}

namespace {

// Connects and upgrades; false (with c.error, c.upgrade_status) when it could not.
asio::awaitable<bool> Open(auto& c, const Endpoint& at, const StreamerOptions& options) {
  ErrorCodeOf ec;
  asio::ip::tcp::resolver resolver(c.ws.get_executor());
  auto addresses = co_await resolver.async_resolve(at.host, at.port, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    c.error = "cannot resolve " + at.host + ": " + ec.message();
    co_return false;
  }
  auto& socket = beast::get_lowest_layer(c.ws);
  socket.expires_after(ToMilliseconds(options.timeout_s));
  co_await socket.async_connect(addresses, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    c.error = "cannot connect to " + at.host + ":" + at.port + ": " + ec.message();
    co_return false;
  }
  socket.expires_never();
  websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
  timeouts.handshake_timeout = ToMilliseconds(options.timeout_s);
  timeouts.idle_timeout = ToMilliseconds(options.timeout_s);  // silence this long: a ping, then gone
  timeouts.keep_alive_pings = true;
  c.ws.set_option(timeouts);
  c.ws.set_option(websocket::stream_base::decorator([key = options.api_key](websocket::request_type& request) {
    request.set(beast::http::field::authorization, "Bearer " + key);
    request.set(beast::http::field::user_agent, "reflexio-listen");
  }));
  c.ws.read_message_max(1 << 20);
  websocket::response_type response;
  co_await c.ws.async_handshake(response, at.host, at.target, asio::redirect_error(use_awaitable, ec));
  c.upgrade_status = static_cast<int>(response.result_int());
  if (ec) {
    auto body = json::parse(response.body(), nullptr, false);
    std::string said = body.is_object() && body.contains("error") && body["error"].is_object()
                           ? body["error"].value("message", "")
                           : "";
    c.error = "the server refused the stream (" + std::to_string(c.upgrade_status) + (said.empty() ? "" : ": " + said) +
              (said.empty() && c.upgrade_status == 101 ? ec.message() : "") + ")";
    co_return false;
  }
  co_return true;
}

}  // namespace

StreamOutcome FrameStreamer::StreamOldest(const std::function<bool()>& give_up) {
  auto oldest = spool_.Oldest();
  if (!oldest) return {};
  auto endpoint = StreamEndpoint(options_.server_url);
  if (!endpoint.ok()) return {StreamOutcome::kRefused, 0, endpoint.status().message()};
  asio::io_context io;
  Connection c(io);
  c.stream = *oldest;

  // Messages from the server, until it closes or the connection is gone.
  auto read = [&]() -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    while (true) {
      ErrorCodeOf ec;
      co_await c.ws.async_read(buffer, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (ec == websocket::error::closed) c.closed = c.ws.reason();
        else if (c.error.empty()) c.error = "the connection was lost: " + ec.message();
        break;
      }
      json message = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      buffer.consume(buffer.size());
      std::string type = TypeOf(message);
      if (type == "ready" && SeqOf(message, "resume_from_seq")) {
        c.resume = SeqOf(message, "resume_from_seq");
        c.next_seq = *c.resume;
        if (*c.resume > 0) (void)spool_.AcknowledgeThrough(c.stream.id, *c.resume - 1);
      } else if (type == "ack" && SeqOf(message, "through_seq")) {
        c.acknowledged = SeqOf(message, "through_seq");
        last_acknowledged_ = SystemClock::Instance().Now();
        Status forgotten = spool_.AcknowledgeThrough(c.stream.id, *c.acknowledged);
        if (!forgotten.ok()) LOG_WARN("acknowledged frames stay in the spool: " << forgotten.message());
      } else if (type == "stored") {
        ++pieces_stored_;
      }
    }
    c.reading_done = true;
    c.poll.cancel();
  };

  // Frames as they are spooled; `end` once the stream has ended and all of it is sent.
  auto send = [&]() -> asio::awaitable<void> {
    ErrorCodeOf ec;
    while (!c.reading_done) {
      if (give_up()) {
        c.error = "the listener is stopping";
        break;
      }
      auto info = spool_.Find(c.stream.id);
      if (!info) {
        c.error = "the stream left the spool";
        break;
      }
      if (c.resume) {
        if (c.end_sent && c.acknowledged && *c.acknowledged + 1 >= info->end_seq) {  // whole at the server
          c.finished = true;
          break;
        }
        auto frames = spool_.Read(c.stream.id, c.next_seq, kFramesPerRead);
        if (!frames.ok()) {
          c.error = "the spool cannot be read: " + frames.status().message();
          break;
        }
        if (!frames->empty() && frames->front().seq != c.next_seq && c.frames_sent > 0) {
          c.error = "frames from " + std::to_string(c.next_seq) + " were dropped from the full spool";
          break;  // a new connection goes on from the next frame held
        }
        for (const SpooledFrame& frame : *frames) {
          c.ws.binary(true);
          co_await c.ws.async_write(asio::buffer(StreamFrameMessage(frame.seq, frame.packet)), asio::redirect_error(use_awaitable, ec));
          if (ec) break;
          c.next_seq = frame.seq + 1;
          ++c.frames_sent;
        }
        if (ec) break;
        if (frames->empty() && info->ended && !c.end_sent && c.next_seq >= info->end_seq) {
          c.ws.text(true);
          co_await c.ws.async_write(asio::buffer(std::string(R"({"type":"end"})")), asio::redirect_error(use_awaitable, ec));
          if (ec) break;
          c.end_sent = true;
        }
        if (!frames->empty()) continue;
      }
      c.poll.expires_after(kPoll);
      co_await c.poll.async_wait(asio::redirect_error(use_awaitable, ec));
      ec = {};
    }
    if (!c.reading_done) {
      co_await c.ws.async_close(websocket::close_code::normal, asio::redirect_error(use_awaitable, ec));
      beast::get_lowest_layer(c.ws).close();
    }
  };

  auto run = [&]() -> asio::awaitable<void> {
    if (!co_await Open(c, *endpoint, options_)) co_return;
    json start = {{"type", "start"}, {"stream_id", c.stream.id}, {"format", "opus"}, {"frame_ms", kFrameMs},
                  {"captured_at", FormatRfc3339(c.stream.captured_at)}};
    ErrorCodeOf ec;
    c.ws.text(true);
    co_await c.ws.async_write(asio::buffer(start.dump()), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      c.error = "the connection was lost: " + ec.message();
      co_return;
    }
    asio::co_spawn(io, read(), asio::detached);
    co_await send();
  };
  asio::co_spawn(io, run(), asio::detached);
  try {
    io.run();
  } catch (const std::exception& e) {  // Beast and Asio report by error code; this is a last guard
    c.error = std::string("streaming failed: ") + e.what();
  }

  bool closed_normally = c.closed && c.closed->code == websocket::close_code::normal;
  if (c.finished || (c.end_sent && closed_normally)) {
    backoff_.Succeeded();
    Status removed = spool_.Remove(c.stream.id);
    if (!removed.ok()) LOG_WARN("stream " << c.stream.id << " is whole at the server but stays spooled: " << removed.message());
    return {StreamOutcome::kFinished, 0, "", c.frames_sent};
  }
  if (c.upgrade_status == 404 || c.upgrade_status == 426) return {StreamOutcome::kRefused, 0, c.error, 0};
  std::optional<double> asked;
  if (c.upgrade_status == 401 || c.upgrade_status == 403) asked = backoff_.max_s();
  if (c.closed) {
    int code = c.closed->code;
    c.error = "the server closed the stream (" + std::to_string(code) + ": " + std::string(c.closed->reason.c_str()) + ")";
    if (code == 4402 || code == 4400) asked = backoff_.max_s();  // over the quota; or a frame it will never take
  }
  if (c.frames_sent > 0 && !c.closed) backoff_.Succeeded();  // it streamed: the next try is soon
  StreamOutcome outcome = Interrupted(c.error, asked);
  outcome.frames_sent = c.frames_sent;
  return outcome;
}

}  // namespace reflexio
