#include "http/server.h"

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/ids.h"
#include "core/log.h"
#include "core/strings.h"
#include "crypto/digest.h"
#include "http/websocket_connection.h"

namespace reflexio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

using HeaderParser = http::request_parser<http::empty_body>;

// One request and its answer on their way through a connection's stages.
struct Exchange {
  ServerRequest request;
  ServerResponse response;
  const Route* route = nullptr;
  std::string route_label = "unmatched";
  unsigned version = 11;
  bool keep_alive = false;
  bool body_read = true;    // false while a body we have not read is still on the wire
  bool client_gone = false;  // nobody to answer
  uint64_t content_length = 0;
  std::string request_id;  // the client's X-Request-Id when usable, else ours; echoed and logged
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  void Refuse(const Status& status) {
    response = ErrorResponse(status);
    // An unread body would be parsed as the next request: close instead.
    if (!body_read) keep_alive = false;
  }
};

enum class HeaderRead { kRequest, kClosed, kMalformed };

// A client's request id is kept when it is short and plain enough to log and echo as it is.
std::string RequestIdFor(const std::string& given) {
  bool usable = !given.empty() && given.size() <= 64 && std::all_of(given.begin(), given.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
  });
  return usable ? given : NewId();
}

// The one access-log line of a request.
std::vector<LogField> RequestLogFields(const Exchange& exchange, int status, double seconds) {
  std::vector<LogField> fields = {{"request_id", exchange.request_id},
                                  {"method", exchange.request.method},
                                  {"route", exchange.route_label},
                                  {"status", int64_t{status}},
                                  {"bytes", static_cast<int64_t>(exchange.response.body.size())},
                                  {"duration_ms", std::round(seconds * 1e6) / 1e3}};
  if (exchange.request.tenant) fields.push_back({"tenant", exchange.request.tenant->id});
  return fields;
}

}  // namespace

struct HttpServer::Impl {
  Impl(const Config& c, const Router& r, Metrics& m, Authenticator a, OperatorAuthenticator o, SessionAuthenticator s)
      : config(c), router(r), metrics(m), authenticate(std::move(a)), authenticate_operator(std::move(o)),
        authenticate_session(std::move(s)), acceptor(io),
        handler_pool(static_cast<size_t>(std::max(1, c.handler_threads))),
        upload_pool(c.upload_check_threads > 0 ? static_cast<size_t>(c.upload_check_threads)
                                               : std::max(1u, std::thread::hardware_concurrency())) {}

  awaitable<void> Accept();
  awaitable<void> Session(tcp::socket socket);
  // The stages of one request, in order.
  awaitable<HeaderRead> ReadHeader(beast::tcp_stream& stream, beast::flat_buffer& buffer, HeaderParser& parser,
                                   bool first, std::string& problem);
  bool Match(Exchange& exchange);
  Status Admit(Exchange& exchange, std::unique_ptr<BodySink>& sink);
  Status Authenticate(ServerRequest& request, Access access);
  awaitable<void> ReadBodyAndHandle(beast::tcp_stream& stream, beast::flat_buffer& buffer, HeaderParser& parser,
                                    Exchange& exchange, std::unique_ptr<BodySink> sink);
  awaitable<bool> Respond(beast::tcp_stream& stream, Exchange& exchange);
  // Upgrades an admitted request of a WebSocket route; false when it was answered instead.
  awaitable<bool> Upgrade(beast::tcp_stream& stream, HeaderParser& parser, Exchange& exchange);
  // Writing to stderr may block (a slow log collector): the I/O thread hands the line over.
  void LogRequest(const Exchange& exchange, int status, double seconds) {
    if (!LogEnabled(LogLevel::kInfo)) return;
    asio::post(handler_pool, [fields = RequestLogFields(exchange, status, seconds)] {
      LogEvent(LogLevel::kInfo, "request", fields);
    });
  }

  const Config& config;
  const Router& router;
  Metrics& metrics;
  Authenticator authenticate;
  OperatorAuthenticator authenticate_operator;
  SessionAuthenticator authenticate_session;
  const WebApp* web_app = nullptr;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  // Blocking work never runs on the I/O threads: handlers, authentication and admission checks
  // (database work) run on one bounded pool, an upload's body writes and its check (disk and
  // decoding) on another, so a burst of uploads cannot hold up /health or a search.
  asio::thread_pool handler_pool;
  asio::thread_pool upload_pool;
};

HttpServer::HttpServer(const Config& config, const Router& router, Metrics& metrics, Authenticator authenticate,
                       OperatorAuthenticator authenticate_operator, SessionAuthenticator authenticate_session)
    : impl_(std::make_unique<Impl>(config, router, metrics, std::move(authenticate), std::move(authenticate_operator),
                                   std::move(authenticate_session))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::ServeWebApp(const WebApp* app) { impl_->web_app = app; }

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
  // The I/O threads stop first, so that only this thread touches the acceptor afterwards: closing
  // it while an I/O thread was starting the next accept raced in the reactor and crashed a server
  // as it stopped (seen as exit 139 in the restart tests).
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  // Handlers already handed to a pool run to the end (they refer to their sessions' frames,
  // which outlive them); their answers are never written, as the I/O threads have stopped.
  impl_->handler_pool.join();
  impl_->upload_pool.join();
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

// Runs `work` on `pool` and resumes the awaiting coroutine on its own executor once it is done;
// the coroutine's frame (and so everything `work` refers to) outlives it.
template <typename Work>
awaitable<void> OnPool(asio::thread_pool& pool, Work&& work) {
  co_await asio::co_spawn(pool, [&]() -> awaitable<void> {
    work();
    co_return;
  }, use_awaitable);
}

template <typename Parser>
std::map<std::string, std::string> LowerCaseHeaders(const Parser& parser) {
  std::map<std::string, std::string> out;
  for (const auto& field : parser.get()) {
    out[AsciiLower(std::string(field.name_string()))] = std::string(field.value());
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

// A handler's answer, its error as JSON, or — when it threw — a 500 that says where to look.
template <typename Handler>
ServerResponse Answer(const std::string& route_label, Handler handler) {
  try {
    Result<ServerResponse> answer = handler();
    return answer.ok() ? std::move(answer).value() : ErrorResponse(answer.status());
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
// here and none of it is written anywhere but where the sink puts it. Each piece is handed to
// the sink on `pool`, as storing it may block.
template <typename Stream>
awaitable<StreamedBody> StreamBody(Stream& stream, beast::flat_buffer& buffer,
                                   http::request_parser<http::buffer_body>& parser, BodySink& sink,
                                   asio::thread_pool& pool, Status& error) {
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
    co_await OnPool(pool, [&] { error = sink.Write(std::string_view(piece.data(), received)); });
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

// A browser opens a WebSocket to any site with its cookies: one signed in by cookie must come
// from a page of this server (cross-site WebSocket hijacking).
Status CheckSameOrigin(const ServerRequest& request) {
  std::string origin = request.Header("origin"), host = request.Header("host");
  if (!host.empty() && (origin == "http://" + host || origin == "https://" + host)) return Status::Ok();
  return Status(ErrorCode::kPermissionDenied, "cross_origin",
                "a WebSocket signed in by the browser's cookie must be opened by a page of this server");
}

}  // namespace

awaitable<void> HttpServer::Impl::Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    HeaderParser parser;
    std::string problem;
    HeaderRead read = co_await ReadHeader(stream, buffer, parser, first, problem);
    if (read == HeaderRead::kClosed) break;
    if (read == HeaderRead::kMalformed) {  // answered once, then the connection closes
      auto res = ToBeast(ErrorResponse(InvalidArgument("malformed HTTP request: " + problem, "bad_request")), 11, false);
      boost::system::error_code ignored;
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ignored));
      break;
    }
    Exchange exchange;
    const auto& header = parser.get();
    exchange.request.method = std::string(header.method_string());
    ParseTarget(std::string(header.target()), exchange.request.path, exchange.request.query);
    exchange.request.headers = LowerCaseHeaders(parser);
    exchange.keep_alive = header.keep_alive();
    exchange.version = header.version();
    exchange.content_length = parser.content_length().value_or(0);
    exchange.body_read = exchange.content_length == 0 && !parser.chunked();
    exchange.request_id = RequestIdFor(exchange.request.Header("x-request-id"));

    if (auto page = web_app ? web_app->Serve(exchange.request) : std::nullopt) {  // in memory: no pool
      exchange.response = std::move(*page);
      exchange.route_label = "web app";
    } else if (Match(exchange)) {
      std::unique_ptr<BodySink> sink;
      Status admitted;
      const Route& route = *exchange.route;
      if (route.access != Access::kOpen || route.before_body || route.streams_body()) {
        co_await OnPool(handler_pool, [&] { admitted = Admit(exchange, sink); });
      } else {
        admitted = Admit(exchange, sink);  // only the size limit: nothing that blocks
      }
      if (admitted.ok() && route.open_websocket) {
        if (co_await Upgrade(stream, parser, exchange)) co_return;  // the connection is the WebSocket's now
      } else if (admitted.ok()) {
        co_await ReadBodyAndHandle(stream, buffer, parser, exchange, std::move(sink));
      } else {
        exchange.Refuse(admitted);
        if (admitted.code() == ErrorCode::kUnauthenticated) {
          exchange.response.headers.emplace_back("WWW-Authenticate", "Bearer");
        }
        if (admitted.reason() == "invalid_session") {  // ended or expired: the browser may forget it
          exchange.response.headers.emplace_back("Set-Cookie", SessionCookie("", 0, false));
        }
      }
    }
    if (!co_await Respond(stream, exchange)) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

awaitable<HeaderRead> HttpServer::Impl::ReadHeader(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                   HeaderParser& parser, bool first,
                                                   std::string& problem) {
  parser.header_limit(16 * 1024);
  // Beast checks Content-Length against the body limit while reading the header; the route's
  // own limit is applied in Admit, where it can answer 413.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  stream.expires_after(ToMilliseconds(first ? config.header_timeout_s : config.idle_timeout_s));
  boost::system::error_code ec;
  co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  if (!ec) co_return HeaderRead::kRequest;
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset || buffer.size() == 0) {
    co_return HeaderRead::kClosed;
  }
  problem = ec.message();
  co_return HeaderRead::kMalformed;
}

// Finds the route: false, with the 404 or 405 answer set, when there is none for the request.
bool HttpServer::Impl::Match(Exchange& exchange) {
  ServerRequest& request = exchange.request;
  Router::Match match = router.Find(request.method, request.path);
  if (match.route) {
    exchange.route = match.route;
    exchange.route_label = match.route->pattern;
    request.params = std::move(match.params);
    return true;
  }
  if (match.allowed_methods.empty()) {
    exchange.Refuse(NotFound("no such endpoint: " + request.method + " " + request.path + " (GET / lists them)",
                              "no_such_endpoint"));
    return false;
  }
  exchange.Refuse(Status(ErrorCode::kInvalidArgument, "method_not_allowed",
                         request.method + " is not allowed on " + request.path));
  exchange.response.status = 405;
  std::string allow;
  for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
  exchange.response.headers.emplace_back("Allow", allow);
  return false;
}

// Everything that can refuse a request before a byte of its body is read: authentication, the
// route's own check, opening its sink, the size limit. Runs on the handler pool.
Status HttpServer::Impl::Admit(Exchange& exchange, std::unique_ptr<BodySink>& sink) {
  ServerRequest& request = exchange.request;
  const Route& route = *exchange.route;
  if (route.access != Access::kOpen) RETURN_IF_ERROR(Authenticate(request, route.access));
  if (route.open_websocket && !request.session_id.empty()) RETURN_IF_ERROR(CheckSameOrigin(request));
  if (route.before_body) RETURN_IF_ERROR(route.before_body(request));
  if (route.streams_body()) {
    ASSIGN_OR_RETURN(sink, route.open_body(request));
  }
  uint64_t limit = sink ? config.max_upload_bytes : config.max_json_body_bytes;
  if (exchange.content_length > limit) return TooLarge(limit);
  return Status::Ok();
}

// An API key (Bearer) or, for a tenant's routes, a browser's session cookie — whose
// state-changing requests must also carry its CSRF token.
Status HttpServer::Impl::Authenticate(ServerRequest& request, Access access) {
  std::string auth = request.Header("authorization");
  bool has_bearer = auth.rfind("Bearer ", 0) == 0 && auth.size() > 7;
  std::optional<std::string> cookie = CookieValue(request.Header("cookie"), kSessionCookieName);
  if (!has_bearer && cookie && !cookie->empty() && access == Access::kTenant && authenticate_session) {
    ASSIGN_OR_RETURN(SessionCaller caller, authenticate_session(*cookie));
    if (ChangesState(request.method) && !EqualInConstantTime(request.Header(std::string(kCsrfHeader)), caller.csrf_token)) {
      return Status(ErrorCode::kPermissionDenied, "csrf_token_invalid",
                    "a request that changes something must carry the X-CSRF-Token header that GET /v1/session gives "
                    "this browser; reload the page");
    }
    request.tenant = std::move(caller.tenant);
    request.session_id = std::move(caller.session_id);
    return Status::Ok();
  }
  if (!has_bearer) {
    return Status(ErrorCode::kUnauthenticated, "missing_api_key",
                  "send your API key as 'Authorization: Bearer <key>' (create one with reflexio keys create), or sign "
                  "in to the web app");
  }
  if (access == Access::kTenant) {
    ASSIGN_OR_RETURN(request.tenant, authenticate(auth.substr(7)));
    return Status::Ok();
  }
  if (!authenticate_operator) {
    return Status(ErrorCode::kPermissionDenied, "operator_key_required", "this server has no operator routes");
  }
  return authenticate_operator(auth.substr(7));
}

awaitable<void> HttpServer::Impl::ReadBodyAndHandle(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                    HeaderParser& parser, Exchange& exchange,
                                                    std::unique_ptr<BodySink> sink) {
  ServerRequest& request = exchange.request;
  if (!exchange.body_read && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> go_on{http::status::continue_, exchange.version};
    boost::system::error_code ignored;
    co_await http::async_write(stream, go_on, asio::redirect_error(use_awaitable, ignored));
  }
  stream.expires_after(ToMilliseconds(config.upload_timeout_s));
  uint64_t limit = sink ? config.max_upload_bytes : config.max_json_body_bytes;
  if (sink) {
    http::request_parser<http::buffer_body> body_parser(std::move(parser));
    body_parser.body_limit(limit);
    Status write_error;
    StreamedBody streamed = co_await StreamBody(stream, buffer, body_parser, *sink, upload_pool, write_error);
    if (streamed == StreamedBody::kTooLarge) exchange.Refuse(TooLarge(limit));
    if (streamed == StreamedBody::kNotStored) exchange.Refuse(write_error);
    if (streamed == StreamedBody::kClientGone) exchange.client_gone = true;
    if (streamed != StreamedBody::kComplete) co_return;
    exchange.body_read = true;
    co_await OnPool(upload_pool, [&] {
      exchange.response = Answer(exchange.route_label, [&] { return sink->Finish(request); });
    });
    co_return;
  }
  http::request_parser<http::string_body> body_parser(std::move(parser));
  body_parser.body_limit(limit);
  boost::system::error_code ec;
  co_await http::async_read(stream, buffer, body_parser, asio::redirect_error(use_awaitable, ec));
  if (ec == http::error::body_limit) exchange.Refuse(TooLarge(limit));
  if (ec && ec != http::error::body_limit) exchange.client_gone = true;
  if (ec) co_return;
  exchange.body_read = true;
  request.body = std::move(body_parser.get().body());
  request.body_bytes = request.body.size();
  co_await OnPool(handler_pool, [&] {
    exchange.response = Answer(exchange.route_label, [&] { return exchange.route->handler(request); });
  });
}

awaitable<bool> HttpServer::Impl::Upgrade(beast::tcp_stream& stream, HeaderParser& parser, Exchange& exchange) {
  if (!beast::websocket::is_upgrade(parser.get())) {
    exchange.Refuse(Status(ErrorCode::kInvalidArgument, "upgrade_required",
                           exchange.request.path + " is a WebSocket: send the upgrade request of RFC 6455"));
    exchange.response.status = 426;
    exchange.response.headers.emplace_back("Upgrade", "websocket");
    co_return false;
  }
  Result<std::shared_ptr<WebSocketSession>> session = exchange.route->open_websocket(exchange.request);
  if (!session.ok()) {
    exchange.Refuse(session.status());
    co_return false;
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange.started).count();
  LogRequest(exchange, 101, elapsed);
  metrics.ObserveRequest(exchange.route_label, exchange.request.method, 101, elapsed);
  WebSocketLimits limits{config.stream_max_message_bytes, config.stream_idle_timeout_s, config.stream_pong_timeout_s};
  auto connection = std::make_shared<WebSocketConnection>(std::move(stream), limits);
  co_await connection->Run(parser.release(), std::move(*session));
  co_return true;
}

// Writes the answer and records it; true when the connection may carry another request.
awaitable<bool> HttpServer::Impl::Respond(beast::tcp_stream& stream, Exchange& exchange) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange.started).count();
  const std::string& method = exchange.request.method;
  if (exchange.client_gone) {
    metrics.ObserveRequest(exchange.route_label, method, 499, elapsed);
    LogRequest(exchange, 499, elapsed);
    co_return false;
  }
  ServerResponse& response = exchange.response;
  response.headers.emplace_back("X-Request-Id", exchange.request_id);
  if (method == "HEAD") response.body.clear();
  auto res = ToBeast(response, exchange.version, exchange.keep_alive);
  if (method == "HEAD") res.content_length(0);
  // Logged before the write: a server stopping right after a client read its answer still has
  // the line (the I/O threads may not run again once the answer is out).
  LogRequest(exchange, response.status, elapsed);
  stream.expires_after(std::chrono::seconds(60));
  boost::system::error_code ec;
  co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
  metrics.ObserveRequest(exchange.route_label, method, response.status, elapsed);
  if (!exchange.body_read && !ec) co_await LingerOverUnreadBody(stream);
  co_return !ec && exchange.keep_alive;
}

}  // namespace reflexio
