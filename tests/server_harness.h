// Test harness: runs the real `reflexio serve` binary on port 0 in a temp data directory and
// talks to it over HTTP. Used by the integration suites only. With REFLEXIO_TEST_BACKEND=postgres
// each server gets a fresh PostgreSQL database (DATABASE_URL) instead of SQLite.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/http_client.h"
#include "core/test_support.h"
#include "storage/testing/postgres_fixture.h"

namespace reflexio::testing {

class ServerProcess {
 public:
  // Starts `reflexio serve --port 0 --data-dir DIR` with `env` added to the environment and
  // waits until it logs the address it listens on.
  ServerProcess(const std::string& data_dir, std::map<std::string, std::string> env = {},
                std::vector<std::string> extra_args = {});
  ~ServerProcess();

  const std::string& base_url() const { return base_url_; }
  // The API key printed on the first start of an empty data directory ("" if none).
  std::string first_run_key() const;
  // The one-time sign-in link printed beside it ("" if none).
  std::string first_run_sign_in_link() const;
  // `reflexio keys create` against this server's database.
  std::string CreateKey(const std::string& tenant) const;
  // Another `reflexio` command on this server's data directory and database.
  int RunCommand(std::vector<std::string> args, std::string* out, std::string* err = nullptr) const;
  std::string stdout_text() const;
  std::string stderr_text() const;
  void Kill();  // SIGKILL: a crash
  int Stop();   // SIGTERM, returns the exit status
  // SIGTERM to one thread of the server (tgkill) instead of the process; returns the exit status.
  int StopThroughThread(pid_t thread);
  // The server's threads, other than its main thread, that do not block `signal_number`.
  std::vector<pid_t> OtherThreadsAccepting(int signal_number) const;
  // The PostgreSQL database of a REFLEXIO_TEST_BACKEND=postgres run; null on SQLite.
  const PostgresTestDatabase* postgres() const { return postgres_.get(); }

 private:
  int WithLogIfUnclean(int exit_code) const;  // returns exit_code
  std::string data_dir_, log_dir_, base_url_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<PostgresTestDatabase> postgres_;  // when REFLEXIO_TEST_BACKEND=postgres
  pid_t pid_ = -1;
};

// `reflexio worker --data-dir DIR` (or another long-running command), until killed or stopped.
class WorkerProcess {
 public:
  WorkerProcess(const std::string& data_dir, const std::map<std::string, std::string>& env,
                const std::string& command = "worker")
      : WorkerProcess({command, "--port", "0", "--data-dir", data_dir}, env, data_dir) {}
  // `reflexio ARGS…` as given, for a command that takes neither --port nor --data-dir
  // (`listen`); its logs go beside `scratch_dir`.
  WorkerProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                const std::string& scratch_dir);
  ~WorkerProcess();
  std::string stderr_text() const;
  // Where its probe port (/health, /metrics/prometheus) listens, once it says so (throws if it
  // does not within a minute).
  std::string base_url() const;
  void Kill();  // SIGKILL
  int Stop();   // SIGTERM, returns the exit status

 private:
  std::string data_dir_, log_dir_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
};

// Runs the binary with arguments; returns exit status and fills stdout.
int RunReflexio(const std::vector<std::string>& args, std::string* out, std::string* err = nullptr,
                const std::map<std::string, std::string>& env = {});
// `reflexio keys create --tenant NAME --data-dir DIR`: the key from the last line.
std::string CreateKey(const std::string& data_dir, const std::string& tenant,
                      const std::map<std::string, std::string>& env = {});

// Requests to a server with an API key. Every answer from a Reflexio server is checked against
// the API contract when the test program ends (api_contract.h); a client of another program (a
// Prometheus) says so with kOtherServer.
class Client {
 public:
  enum class Contract { kReflexio, kOtherServer };
  Client(std::string base_url, std::string key, Contract contract = Contract::kReflexio)
      : base_url_(std::move(base_url)), key_(std::move(key)), contract_(contract) {}
  HttpResponse Get(const std::string& path, std::vector<std::pair<std::string, std::string>> headers = {}) const;
  HttpResponse Upload(const std::string& body, const std::string& content_type,
                      std::vector<std::pair<std::string, std::string>> headers = {}) const;
  HttpResponse Send(HttpRequest request) const;
  // A request with a JSON body (Content-Type: application/json).
  HttpResponse SendJson(const std::string& method, const std::string& path, const std::string& body) const;
  nlohmann::json GetJson(const std::string& path) const;
  // Polls the recording until it leaves queued/processing or the timeout passes.
  nlohmann::json WaitForRecording(const std::string& id, std::chrono::seconds timeout = std::chrono::seconds(120)) const;

 private:
  std::string base_url_, key_;
  Contract contract_;
};

std::string ReadFileBytes(const std::string& path);
// The last `lines` lines of a log.
std::string LogTail(const std::string& log, size_t lines = 40);
std::string TypeFor(const std::string& file);  // Content-Type by extension
// An upload written by hand with `Transfer-Encoding: chunked`, so that its body can go out in
// pieces, stop halfway, or keep coming after the server has answered.
class ChunkedUpload {
 public:
  ChunkedUpload(const std::string& base_url, const std::string& key, const std::string& content_type);
  ~ChunkedUpload();
  // Sends `bytes` as chunks of `piece` bytes; stops early, returning false, once the server has
  // answered (a refusal mid-body) or the connection is gone.
  bool SendChunks(const std::string& bytes, size_t piece = 16384);
  int Finish();      // the last chunk, then the answer's status (0 if the connection closed first)
  int ReadStatus();  // the answer's status, as it is

 private:
  bool Send(const std::string& bytes);
  int fd_;
};

// A TCP connection to the server at base_url ("http://127.0.0.1:PORT"), for requests written by
// hand; the caller closes it. Throws when it cannot connect.
int ConnectTo(const std::string& base_url);
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace reflexio::testing
