// A real Prometheus (Debian's `prometheus`) scraping a real server with the deployment's alert
// rules loaded, asked through its HTTP API for what it scraped.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "server_harness.h"

namespace reflexio::testing {
namespace {

using json = nlohmann::json;

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Prometheus with `config`, its data in `dir`, listening on 127.0.0.1:port until destroyed.
class PrometheusProcess {
 public:
  PrometheusProcess(const std::string& config, const std::string& dir, int port) {
    pid_ = fork();
    if (pid_ == 0) {
      std::string log = dir + "/prometheus.log";
      FILE* out = std::freopen(log.c_str(), "w", stdout);
      FILE* err = std::freopen(log.c_str(), "a", stderr);
      (void)out;
      (void)err;
      std::string config_flag = "--config.file=" + config, storage_flag = "--storage.tsdb.path=" + dir + "/tsdb",
                  listen_flag = "--web.listen-address=127.0.0.1:" + std::to_string(port);
      execl("/usr/bin/prometheus", "prometheus", config_flag.c_str(), storage_flag.c_str(), listen_flag.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~PrometheusProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = -1;
};

// Asks Prometheus's query API until `query` has a sample or `timeout` passes; the last answer.
json QueryUntilAnswered(const Client& prometheus, const std::string& query, std::chrono::seconds timeout) {
  json answer;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResponse response;
    try {
      response = prometheus.Get("/api/v1/query?query=" + query);
    } catch (const std::exception&) {  // not listening yet
    }
    if (response.status == 200) {
      answer = json::parse(response.body, nullptr, false);
      if (answer.is_object() && !answer["data"]["result"].empty()) return answer;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return answer;
}

TEST(Observability, ARealPrometheusScrapesTheServerAndLoadsTheAlertRules) {
  ASSERT_EQ(access("/usr/bin/prometheus", X_OK), 0) << "Debian's prometheus package is part of the test tools";
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string target = server.base_url().substr(std::string("http://").size());
  int port = FreeLoopbackPort();
  std::string config = dir / "prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        << "rule_files:\n  - " << REFLEXIO_SOURCE_DIR << "/deploy/alerts.yml\n"
                        << "scrape_configs:\n  - job_name: reflexio\n    metrics_path: /metrics/prometheus\n"
                        << "    static_configs:\n      - targets: [\"" << target << "\"]\n";
  PrometheusProcess prometheus(config, dir.path().string(), port);
  Client api("http://127.0.0.1:" + std::to_string(port), "", Client::Contract::kOtherServer);

  json up = QueryUntilAnswered(api, "up%7Bjob%3D%22reflexio%22%7D", std::chrono::seconds(60));
  ASSERT_FALSE(up["data"]["result"].empty()) << "Prometheus never scraped the server: " << up.dump()
                                             << ReadFileBytes(dir / "prometheus.log");
  EXPECT_EQ(up["data"]["result"][0]["value"][1], "1") << up.dump();
  json uploads = QueryUntilAnswered(api, "reflexio_uploads_total", std::chrono::seconds(10));
  ASSERT_FALSE(uploads["data"]["result"].empty()) << uploads.dump();
  EXPECT_EQ(uploads["data"]["result"][0]["metric"]["instance"], target);

  json rules = json::parse(api.Get("/api/v1/rules").body, nullptr, false);
  ASSERT_TRUE(rules.is_object()) << "no answer about the rules";
  int loaded = 0;
  for (const json& group : rules["data"]["groups"]) {
    for (const json& rule : group["rules"]) {
      EXPECT_EQ(rule["health"], "ok") << rule.dump();
      ++loaded;
    }
  }
  std::string alerts_file = ReadFileBytes(std::string(REFLEXIO_SOURCE_DIR) + "/deploy/alerts.yml");
  int written = 0;
  for (size_t at = alerts_file.find("- alert:"); at != std::string::npos; at = alerts_file.find("- alert:", at + 1)) {
    ++written;
  }
  EXPECT_GE(written, 7);
  EXPECT_EQ(loaded, written) << "every alert of deploy/alerts.yml: " << rules.dump();
  json disk = QueryUntilAnswered(api, "reflexio_disk_bytes%7Bstate%3D%22free%22%7D", std::chrono::seconds(10));
  ASSERT_FALSE(disk["data"]["result"].empty()) << "the free-disk gauge the disk alert reads: " << disk.dump();
}

}  // namespace
}  // namespace reflexio::testing
