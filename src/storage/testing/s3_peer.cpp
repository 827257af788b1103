#include "storage/testing/s3_peer.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/ids.h"

namespace reflexio::testing {

S3Peer::S3Peer(const std::string& bucket) : bucket_(bucket) {
  directory_ = (std::filesystem::temp_directory_path() / ("reflexio-s3-" + NewId())).string();
  std::filesystem::create_directories(directory_);
  std::string log = directory_ + ".log";
  std::string script = std::string(REFLEXIO_SOURCE_DIR) + "/tests/peers/node_modules/s3rver/bin/s3rver.js";
  if (!std::filesystem::exists(script)) {
    throw std::runtime_error(script + " is missing; run scripts/test.sh (it installs the test peers with npm)");
  }
  pid_ = fork();
  if (pid_ == 0) {
    FILE* out = freopen(log.c_str(), "w", stdout);
    (void)out;
    dup2(fileno(stdout), 2);
    execlp("node", "node", script.c_str(), "-d", directory_.c_str(), "-a", "127.0.0.1", "-p", "0",
           "--configure-bucket", bucket_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  static const std::regex kListening(R"(listening on (127\.0\.0\.1:\d+))");
  for (int i = 0; i < 300 && endpoint_.empty(); ++i) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    std::smatch m;
    std::string s = text.str();
    if (std::regex_search(s, m, kListening)) endpoint_ = "http://" + std::string(m[1]);
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (endpoint_.empty()) throw std::runtime_error("s3rver did not start; see " + log);
}

S3Peer::~S3Peer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(directory_, ec);
  std::filesystem::remove(directory_ + ".log", ec);
}

}  // namespace reflexio::testing
