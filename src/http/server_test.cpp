#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace reflexio {
namespace {

// Opens and drops TCP connections to `port` as fast as it can until told to stop.
void KeepConnecting(int port, const std::atomic<bool>& stop) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  while (!stop) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) continue;
    ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::close(fd);
  }
}

// Stopping while connections keep arriving: the acceptor is busy starting its next accept on an
// I/O thread. Closing it from the stopping thread at that moment raced in Asio's reactor and
// crashed (a server exited with SIGSEGV as it stopped); each round here is one more chance.
TEST(HttpServer, StopsCleanlyWhileConnectionsKeepArriving) {
  Config config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.http_threads = 4;
  Router router;
  router.Add("GET", "/health", "ok", [](ServerRequest&) -> Result<ServerResponse> {
    return ServerResponse::Json(200, {{"status", "ok"}});
  });
  Metrics metrics;
  for (int round = 0; round < 100; ++round) {
    HttpServer server(config, router, metrics, [](const std::string&) -> Result<Tenant> {
      return Status(ErrorCode::kUnauthenticated, "no_keys", "no keys here");
    });
    auto port = server.Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    std::atomic<bool> stop{false};
    std::thread client(KeepConnecting, *port, std::cref(stop));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    server.Stop();
    stop = true;
    client.join();
  }
}

}  // namespace
}  // namespace reflexio
