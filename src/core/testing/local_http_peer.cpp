#include "core/testing/local_http_peer.h"

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>

#include "core/strings.h"

namespace reflexio::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string PeerRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

struct LocalHttpPeer::Impl {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
};

LocalHttpPeer::LocalHttpPeer(Handler handler) : impl_(std::make_unique<Impl>()), handler_(std::move(handler)) {
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  thread_ = std::thread([this] { Serve(); });
}

LocalHttpPeer::~LocalHttpPeer() {
  // A blocked accept()/read() is woken by shutdown(), not by close() from another thread.
  stopping_ = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  thread_.join();
  std::vector<std::thread> connections;
  {
    MutexLock lock(mutex_);
    for (int fd : connection_fds_) ::shutdown(fd, SHUT_RDWR);
    connections.swap(connections_);
  }
  for (auto& t : connections) t.join();
}

void LocalHttpPeer::Serve() {
  while (true) {
    asio::ip::tcp::socket socket(impl_->io);
    boost::system::error_code ec;
    impl_->acceptor.accept(socket, ec);
    if (ec || stopping_) return;
    MutexLock lock(mutex_);
    connection_fds_.push_back(socket.native_handle());
    connections_.emplace_back([this, s = std::move(socket)]() mutable {
      beast::flat_buffer buffer;
      boost::system::error_code ec;
      while (!stopping_) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        http::read(s, buffer, parser, ec);
        if (ec) return;
        auto& req = parser.get();
        PeerRequest request;
        request.method = std::string(req.method_string());
        request.target = std::string(req.target());
        request.body = req.body();
        for (const auto& field : req) {
          request.headers[AsciiLower(std::string(field.name_string()))] = std::string(field.value());
        }
        PeerResponse answer = handler_(request);
        http::response<http::string_body> res;
        res.result(answer.status);
        res.set(http::field::content_type, answer.content_type);
        for (const auto& [name, value] : answer.headers) res.set(name, value);
        res.body() = std::move(answer.body);
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        http::write(s, res, ec);
        if (ec || !req.keep_alive()) return;
      }
    });
  }
}

}  // namespace reflexio::testing
