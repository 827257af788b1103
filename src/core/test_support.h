// Helpers for tests only: temp directories, the shared speech data, running a command.
// Not linked into the product.
#pragma once

#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/time.h"

namespace reflexio::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("reflexio-test-" + NewId())) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A clock the test moves by hand; it starts at 2026-11-26T22:50:00Z. Thread-safe.
class FakeClock : public Clock {
 public:
  TimePoint Now() const override { return FromUnixSeconds(seconds_.load()); }
  double seconds() const { return seconds_.load(); }
  void Advance(double s) { seconds_ = seconds_.load() + s; }

 private:
  std::atomic<double> seconds_{1795733400.0};
};

// Regular files anywhere under `dir` (0 when it does not exist).
inline size_t FilesUnder(const std::filesystem::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    n += it->is_regular_file();
  }
  return n;
}

// Every regular file under `dir` (path, bytes): a database together with its WAL and anything
// else written beside it, for the checks that nothing is stored in the clear.
inline std::vector<std::pair<std::string, std::string>> FileContentsUnder(const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    files.emplace_back(it->path().string(), std::string(std::istreambuf_iterator<char>(in), {}));
  }
  return files;
}

inline std::filesystem::path SpeechDir(const std::string& language = "en") {
  return std::filesystem::path(REFLEXIO_SHARED_DIR) / "data" / "speech" / language;
}

// file -> reference transcript, from the speech folder's transcripts.tsv.
inline std::map<std::string, std::string> References(const std::string& language = "en") {
  std::map<std::string, std::string> refs;
  std::ifstream in(SpeechDir(language) / "transcripts.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string file, reference;
    std::getline(fields, file, '\t');
    std::getline(fields, reference, '\t');
    if (!file.empty()) refs[file] = reference;
  }
  return refs;
}

inline int Run(const std::string& command) { return std::system(command.c_str()); }

// Runs `command` (through sh) with `input` on its standard input; returns its exit status (127
// when the shell cannot find it, 128 + N when signal N stopped it) and fills `output` with what it
// printed, stdout and stderr together. A command that stops reading early does not kill the
// caller: SIGPIPE is ignored while the input is written.
inline int RunWithInput(const std::string& command, const std::string& input, std::string* output) {
  TempDir dir;
  std::string printed = dir / "printed";
  FILE* pipe = popen((command + " >" + printed + " 2>&1").c_str(), "w");
  if (pipe == nullptr) {
    *output = "cannot start: " + command;
    return 127;
  }
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  std::fwrite(input.data(), 1, input.size(), pipe);
  int status = pclose(pipe);
  sigaction(SIGPIPE, &previous, nullptr);
  std::ifstream in(printed);
  output->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace reflexio::testing
