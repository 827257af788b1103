#include "cutting_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace reflexio::testing {

namespace {

int ConnectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Closes with a reset (RST), as a dropped connection looks to the other side.
void Reset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

}  // namespace

CuttingProxy::CuttingProxy(int upstream_port) : upstream_port_(upstream_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(listener_, 64);
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

CuttingProxy::~CuttingProxy() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  MutexLock lock(mutex_);
  for (std::thread& relay : relays_) relay.join();
}

void CuttingProxy::Accept() {
  while (!stopping_) {
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (stopping_ || mode_ == Mode::kRefuse) {
      Reset(client);
      continue;
    }
    MutexLock lock(mutex_);
    relays_.emplace_back([this, client] { Relay(client); });
  }
}

void CuttingProxy::Relay(int client) {
  int server = ConnectTo(upstream_port_);
  if (server < 0) return Reset(client);
  if (mode_ == Mode::kNoStreams && RefusedAStream(client, server)) {
    ::close(client);
    ::close(server);
    return;
  }
  pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  char buffer[64 * 1024];
  while (!stopping_) {
    if (::poll(fds, 2, 100) < 0) break;
    if (mode_ == Mode::kRefuse) break;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(client, buffer, sizeof buffer);
      if (n <= 0 || ::write(server, buffer, static_cast<size_t>(n)) != n) break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(server, buffer, sizeof buffer);
      if (n <= 0) break;
      if (mode_ == Mode::kLoseAnswers) {  // the server has it; the client never hears so
        ++answers_lost_;
        break;
      }
      if (mode_ == Mode::kStall) continue;  // the server has it; nothing comes back, nothing closes
      if (::write(client, buffer, static_cast<size_t>(n)) != n) break;
    }
  }
  Reset(client);
  ::close(server);
}

bool CuttingProxy::RefusedAStream(int client, int server) {
  pollfd first = {client, POLLIN, 0};
  if (::poll(&first, 1, 5000) <= 0) return false;
  char buffer[16 * 1024];
  ssize_t n = ::read(client, buffer, sizeof buffer);
  if (n <= 0) return false;
  std::string request(buffer, static_cast<size_t>(n));
  if (request.rfind("GET /v1/stream ", 0) != 0) return ::write(server, buffer, static_cast<size_t>(n)) != n;
  const std::string body = R"({"error":{"code":"not_found","message":"no route GET /v1/stream"}})";
  std::string answer = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  (void)!::write(client, answer.data(), answer.size());
  return true;
}

}  // namespace reflexio::testing
