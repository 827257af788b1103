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

#include "core/ids.h"
#include "core/log.h"

namespace reflexio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  Impl(const Config& c, const Router& r, Metrics& m, Authenticator a, std::filesystem::path dir)
      : config(c), router(r), metrics(m), authenticate(std::move(a)), upload_dir(std::move(dir)), acceptor(io) {}

  awaitable<void> Accept();
  awaitable<void> Session(tcp::socket socket);

  const Config& config;
  const Router& router;
  Metrics& metrics;
  Authenticator authenticate;
  std::filesystem::path upload_dir;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
};

HttpServer::HttpServer(const Config& config, const Router& router, Metrics& metrics, Authenticator authenticate,
                       std::filesystem::path upload_dir)
    : impl_(std::make_unique<Impl>(config, router, metrics, std::move(authenticate), std::move(upload_dir))) {}

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

Status TooLarge(uint64_t limit) {
  return Status(ErrorCode::kTooLarge, "body_too_large",
                "the body exceeds this server's limit of " + std::to_string(limit) + " bytes");
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
    std::filesystem::path upload_file;
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
      uint64_t limit = match.route->streams_body ? config.max_upload_bytes : config.max_json_body_bytes;
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
      if (match.route->streams_body) {
        upload_file = upload_dir / ("upload-" + NewId());
        http::request_parser<http::file_body> body_parser(std::move(header_parser));
        body_parser.body_limit(limit);
        boost::system::error_code open_ec;
        body_parser.get().body().open(upload_file.c_str(), beast::file_mode::write, open_ec);
        if (open_ec) {
          upload_file.clear();
          respond_error(Internal("cannot store the upload: " + open_ec.message(), "storage_unavailable"));
          break;
        }
        boost::system::error_code ec;
        size_t n = co_await http::async_read(stream, buffer, body_parser, asio::redirect_error(use_awaitable, ec));
        body_parser.get().body().close();
        request.body_file = upload_file;
        if (ec == http::error::body_limit) {
          respond_error(TooLarge(limit));
          break;
        }
        if (ec) {
          keep_alive = false;
          response.status = 0;  // the client went away mid-body: nobody to answer
          break;
        }
        body_read = true;
        (void)n;
        std::error_code size_ec;
        request.body_bytes = std::filesystem::file_size(upload_file, size_ec);
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
      }
      try {
        response = match.route->handler(request);
      } catch (const std::exception& e) {
        LOG_ERROR("handler for " << route_label << " threw: " << e.what());
        response = ErrorResponse(Internal("internal error; see the server log"));
      }
    } while (false);

    if (!upload_file.empty()) {
      std::error_code ignored;
      std::filesystem::remove(upload_file, ignored);  // the handler moved it if it kept it
    }
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
    if (write_ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace reflexio
