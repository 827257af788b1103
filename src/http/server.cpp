#include "http/server.h"

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>

#include "core/log.h"

namespace reflexio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  Impl(const Config& c, const Router& r, Metrics& m, Authenticator a)
      : config(c), router(r), metrics(m), authenticate(std::move(a)), acceptor(io) {}

  awaitable<void> Accept();
  awaitable<void> Session(tcp::socket socket);

  const Config& config;
  const Router& router;
  Metrics& metrics;
  Authenticator authenticate;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
};

HttpServer::HttpServer(const Config& config, const Router& router, Metrics& metrics, Authenticator authenticate)
    : impl_(std::make_unique<Impl>(config, router, metrics, std::move(authenticate))) {}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->config.host, ec);
  if (ec) return InvalidArgument("REFLEXIO_HOST '" + impl_->config.host + "' is not an IP address", "invalid_config");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->config.port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + impl_->config.host + ":" + std::to_string(impl_->config.port) + ": " +
                           ec.message() + " (is another server running? choose one with --port)",
                       "listen_failed");
  }
  int port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  for (int i = 0; i < std::max(1, impl_->config.http_threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return port;
}

void HttpServer::Stop() {
  if (impl_->threads.empty()) return;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

awaitable<void> HttpServer::Impl::Accept() {
  while (acceptor.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::make_strand(io), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (!acceptor.is_open()) co_return;
      continue;
    }
    asio::co_spawn(socket.get_executor(), Session(std::move(socket)), asio::detached);
  }
}

namespace {

template <typename Parser>
std::map<std::string, std::string> LowerCaseHeaders(const Parser& parser) {
  std::map<std::string, std::string> out;
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out[name] = std::string(field.value());
  }
  return out;
}

http::response<http::string_body> ToBeast(const ServerResponse& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "reflexio");
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

template <typename Handler>
ServerResponse RunHandler(const std::string& route_label, Handler handler) {
  try {
    return handler();
  } catch (const std::exception& e) {
    LOG_ERROR("handler for " << route_label << " threw: " << e.what());
    return ErrorResponse(Internal("internal error; see the server log"));
  }
}

Status TooLarge(uint64_t limit) {
  return Status(ErrorCode::kTooLarge, "body_too_large",
                "the body exceeds this server's limit of " + std::to_string(limit) + " bytes");
}

enum class StreamedBody { kComplete, kTooLarge, kClientGone, kNotStored };

// Reads the body a piece at a time into the sink, so no more than one buffer of it is ever held
// here and none of it is written anywhere but where the sink puts it.
template <typename Stream>
awaitable<StreamedBody> StreamBody(Stream& stream, beast::flat_buffer& buffer,
                                   http::request_parser<http::buffer_body>& parser, BodySink& sink, Status& error) {
  std::vector<char> piece(64 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};  // the piece is full
    if (ec == http::error::body_limit) co_return StreamedBody::kTooLarge;
    if (ec) co_return StreamedBody::kClientGone;
    size_t received = piece.size() - parser.get().body().size;
    if (received == 0) continue;
    error = sink.Write(std::string_view(piece.data(), received));
    if (!error.ok()) co_return StreamedBody::kNotStored;
  }
  co_return StreamedBody::kComplete;
}

// A client still sending a body we refused would get a reset when we close, and a reset can
// destroy the answer before the client reads it. So: say we are done sending, then read and
// drop what still arrives, for a bounded time and amount (as web servers' "lingering close").
awaitable<void> LingerOverUnreadBody(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(2));
  std::vector<char> dropped(64 * 1024);
  for (size_t total = 0; !ec && total < (64u << 20);) {
    total += co_await stream.async_read_some(asio::buffer(dropped), asio::redirect_error(use_awaitable, ec));
  }
}

}  // namespace

awaitable<void> HttpServer::Impl::Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  bool first = true;
  while (true) {
    http::request_parser<http::empty_body> header_parser;
    header_parser.header_limit(16 * 1024);
    // Beast checks Content-Length against the body limit while reading the header; the route's
    // own limit is applied below, where it can answer 413.
    header_parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    stream.expires_after(std::chrono::milliseconds(
        static_cast<int64_t>((first ? config.header_timeout_s : config.idle_timeout_s) * 1000)));
    first = false;
    boost::system::error_code read_ec;
    co_await http::async_read_header(stream, buffer, header_parser, asio::redirect_error(use_awaitable, read_ec));
    if (read_ec) {
      if (read_ec == http::error::end_of_stream || read_ec == beast::error::timeout ||
          read_ec == asio::error::operation_aborted || read_ec == asio::error::connection_reset || buffer.size() == 0) {
        break;
      }
      // Malformed or oversized header: answer once, then close.
      auto res = ToBeast(ErrorResponse(InvalidArgument("malformed HTTP request: " + read_ec.message(), "bad_request")), 11, false);
      boost::system::error_code ignored;
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ignored));
      break;
    }
    auto started = std::chrono::steady_clock::now();
    const auto& header = header_parser.get();
    ServerRequest request;
    request.method = std::string(header.method_string());
    ParseTarget(std::string(header.target()), request.path, request.query);
    request.headers = LowerCaseHeaders(header_parser);
    bool keep_alive = header.keep_alive();
    unsigned version = header.version();
    bool has_body = header_parser.content_length().value_or(0) > 0 || header_parser.chunked();

    Router::Match match = router.Find(request.method, request.path);
    std::string route_label = match.route ? match.route->pattern : "unmatched";
    ServerResponse response;
    bool body_read = !has_body;

    auto respond_error = [&](const Status& s) {
      response = ErrorResponse(s);
      // An unread body would be parsed as the next request: close instead.
      if (!body_read) keep_alive = false;
    };

    do {
      if (!match.route) {
        if (!match.allowed_methods.empty()) {
          respond_error(Status(ErrorCode::kInvalidArgument, "method_not_allowed",
                               request.method + " is not allowed on " + request.path));
          response.status = 405;
          std::string allow;
          for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
          response.headers.emplace_back("Allow", allow);
        } else {
          respond_error(NotFound("no such endpoint: " + request.method + " " + request.path + " (GET / lists them)"));
        }
        break;
      }
      request.params = match.params;
      if (match.route->authenticated) {
        std::string auth = request.Header("authorization");
        if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7) {
          respond_error(Status(ErrorCode::kUnauthenticated, "missing_api_key",
                               "send your API key as 'Authorization: Bearer <key>' (create one with reflexio keys create)"));
          response.headers.emplace_back("WWW-Authenticate", "Bearer");
          break;
        }
        auto tenant = authenticate(auth.substr(7));
        if (!tenant.ok()) {
          respond_error(tenant.status());
          if (tenant.status().code() == ErrorCode::kUnauthenticated) response.headers.emplace_back("WWW-Authenticate", "Bearer");
          break;
        }
        request.tenant = *tenant;
      }
      if (match.route->before_body) {
        Status pre = match.route->before_body(request);
        if (!pre.ok()) {
          respond_error(pre);
          break;
        }
      }
      std::unique_ptr<BodySink> sink;
      if (match.route->streams_body()) {
        auto opened = match.route->open_body(request);
        if (!opened.ok()) {
          respond_error(opened.status());
          break;
        }
        sink = std::move(*opened);
      }
      uint64_t limit = sink ? config.max_upload_bytes : config.max_json_body_bytes;
      if (header_parser.content_length().value_or(0) > limit) {
        respond_error(TooLarge(limit));
        break;
      }
      if (!body_read && beast::iequals(header[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, version};
        boost::system::error_code continue_ec;
        co_await http::async_write(stream, go_on, asio::redirect_error(use_awaitable, continue_ec));
      }
      stream.expires_after(std::chrono::milliseconds(static_cast<int64_t>(config.upload_timeout_s * 1000)));
      if (sink) {
        http::request_parser<http::buffer_body> body_parser(std::move(header_parser));
        body_parser.body_limit(limit);
        Status write_error;
        StreamedBody streamed = co_await StreamBody(stream, buffer, body_parser, *sink, write_error);
        if (streamed == StreamedBody::kTooLarge) {
          respond_error(TooLarge(limit));
          break;
        }
        if (streamed == StreamedBody::kNotStored) {
          respond_error(write_error);
          break;
        }
        if (streamed == StreamedBody::kClientGone) {
          keep_alive = false;
          response.status = 0;  // the client went away mid-body: nobody to answer
          break;
        }
        body_read = true;
        response = RunHandler(route_label, [&] { return sink->Finish(request); });
      } else {
        http::request_parser<http::string_body> body_parser(std::move(header_parser));
        body_parser.body_limit(limit);
        boost::system::error_code ec;
        co_await http::async_read(stream, buffer, body_parser, asio::redirect_error(use_awaitable, ec));
        if (ec == http::error::body_limit) {
          respond_error(TooLarge(limit));
          break;
        }
        if (ec) {
          keep_alive = false;
          response.status = 0;
          break;
        }
        body_read = true;
        request.body = std::move(body_parser.get().body());
        request.body_bytes = request.body.size();
        response = RunHandler(route_label, [&] { return match.route->handler(request); });
      }
    } while (false);

    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (response.status == 0) {
      metrics.ObserveRequest(route_label, request.method, 499, elapsed);
      break;
    }
    if (request.method == "HEAD") response.body.clear();
    auto res = ToBeast(response, version, keep_alive);
    if (request.method == "HEAD") res.content_length(0);
    stream.expires_after(std::chrono::seconds(60));
    boost::system::error_code write_ec;
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, write_ec));
    metrics.ObserveRequest(route_label, request.method, response.status, elapsed);
    if (!body_read && !write_ec) co_await LingerOverUnreadBody(stream);
    if (write_ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace reflexio
