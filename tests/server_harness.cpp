#include "server_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/file_util.h"
#include "core/ids.h"
#include "crypto/digest.h"
#include "api_contract.h"
#include "log_secrets.h"

namespace reflexio::testing {

namespace {
std::string Slurp(const std::string& path) {
  auto r = ReadWholeFile(path);
  return r.ok() ? *r : "";
}

// Cluster mode needs one explicit master key shared by every process; tests that do not choose
// one get this file (created once per test binary, removed when it exits).
struct SharedTestKeyFile {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("reflexio-test-master-" + std::to_string(::getpid()) + ".key");
  SharedTestKeyFile() {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::string hex = Sha256Hex(NewId()) + "\n";
    if (fd < 0 || ::write(fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size())) {
      throw std::runtime_error("cannot write the test master key " + path.string());
    }
    ::close(fd);
  }
  ~SharedTestKeyFile() { RemoveQuietly(path); }
};

std::map<std::string, std::string> WithMasterKeyForCluster(std::map<std::string, std::string> env) {
  bool explicit_key = env.count("REFLEXIO_KEY_FILE") || env.count("AUDIO_ENCRYPTION_PASSWORD");
  if (env.count("DATABASE_URL") && !explicit_key) {
    static SharedTestKeyFile key_file;
    env["REFLEXIO_KEY_FILE"] = key_file.path.string();
  }
  return env;
}

pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& given_env,
            const std::string& out_path, const std::string& err_path) {
  std::map<std::string, std::string> env = WithMasterKeyForCluster(given_env);
  pid_t pid = fork();
  if (pid != 0) return pid;
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(out, 1);
  dup2(err, 2);
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> argv;
  std::string binary = REFLEXIO_BINARY;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(binary.c_str(), argv.data());
  _exit(127);
}

int WaitForExit(pid_t& pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int Terminate(pid_t& pid, int signal_number) {
  if (pid <= 0) return -1;
  ::kill(pid, signal_number);
  return WaitForExit(pid);
}
}  // namespace

std::string ReadFileBytes(const std::string& path) { return Slurp(path); }

std::string LogTail(const std::string& log, size_t lines) {
  size_t start = log.size(), seen = 0;
  while (start > 0) {
    if (log[start - 1] == '\n' && ++seen > lines) break;
    --start;
  }
  return log.substr(start);
}

std::string TypeFor(const std::string& file) {
  std::string ext = std::filesystem::path(file).extension();
  if (ext == ".flac") return "audio/flac";
  if (ext == ".wav") return "audio/wav";
  if (ext == ".mp3") return "audio/mpeg";
  if (ext == ".ogg") return "audio/ogg";
  if (ext == ".webm") return "audio/webm;codecs=opus";
  if (ext == ".m4a") return "audio/mp4";
  return "application/octet-stream";
}

std::string ServerProcess::CreateKey(const std::string& tenant) const {
  return testing::CreateKey(data_dir_, tenant, env_);
}

int ServerProcess::RunCommand(std::vector<std::string> args, std::string* out, std::string* err) const {
  args.push_back("--data-dir");
  args.push_back(data_dir_);
  return RunReflexio(args, out, err, env_);
}

ChunkedUpload::ChunkedUpload(const std::string& base_url, const std::string& key, const std::string& content_type)
    : fd_(ConnectTo(base_url)) {
  Send("POST /v1/recordings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key +
       "\r\nContent-Type: " + content_type + "\r\nTransfer-Encoding: chunked\r\n\r\n");
}

ChunkedUpload::~ChunkedUpload() { ::close(fd_); }

bool ChunkedUpload::Send(const std::string& bytes) {
  return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

bool ChunkedUpload::SendChunks(const std::string& bytes, size_t piece) {
  for (size_t at = 0; at < bytes.size(); at += piece) {
    pollfd answered{fd_, POLLIN, 0};
    if (::poll(&answered, 1, 0) > 0) return false;
    std::string chunk = bytes.substr(at, piece);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    if (!Send(size + chunk + "\r\n")) return false;
  }
  return true;
}

int ChunkedUpload::Finish() {
  Send("0\r\n\r\n");
  return ReadStatus();
}

int ChunkedUpload::ReadStatus() {
  std::string answer;
  char buf[4096];
  while (answer.find("\r\n") == std::string::npos) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return 0;
    answer.append(buf, static_cast<size_t>(n));
  }
  return std::stoi(answer.substr(answer.find(' ') + 1, 3));
}

int ConnectTo(const std::string& base_url) {
  int port = std::stoi(base_url.substr(base_url.rfind(':') + 1));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot connect to " + base_url);
  }
  return fd;
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

ServerProcess::ServerProcess(const std::string& data_dir, std::map<std::string, std::string> env,
                             std::vector<std::string> extra_args)
    : data_dir_(data_dir), log_dir_(data_dir + "-logs-" + NewId()) {
  std::filesystem::create_directories(log_dir_);
  const char* backend = std::getenv("REFLEXIO_TEST_BACKEND");
  if (backend != nullptr && std::string(backend) == "postgres" && !env.count("DATABASE_URL")) {
    postgres_ = std::make_unique<PostgresTestDatabase>();
    env["DATABASE_URL"] = postgres_->app_url();
  }
  env_ = env;
  std::vector<std::string> args = {"serve", "--port", "0", "--data-dir", data_dir};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = Spawn(args, env, log_dir_ + "/stdout", log_dir_ + "/stderr");
  static const std::regex kListening(R"(listening on (http://127\.0\.0\.1:\d+))");
  bool up = WaitUntil([&] {
    std::smatch m;
    std::string err = stderr_text();
    if (std::regex_search(err, m, kListening)) {
      base_url_ = m[1];
      return true;
    }
    int status = 0;
    return waitpid(pid_, &status, WNOHANG) == pid_;  // exited early: stop waiting
  }, std::chrono::seconds(60));
  if (!up || base_url_.empty()) {
    throw std::runtime_error("server did not start:\n" + stderr_text());
  }
}

// Checks a process's log for leaks when it goes away (tests/log_secrets.h).
static void CheckLogForLeaks(const std::string& who, const std::string& log, const std::map<std::string, std::string>& given_env,
                      const std::string& data_dir) {
  std::map<std::string, std::string> env = WithMasterKeyForCluster(given_env);
  std::vector<std::string> key_files = {data_dir + "/master.key"};
  if (env.count("REFLEXIO_KEY_FILE")) key_files.push_back(env["REFLEXIO_KEY_FILE"]);
  ExpectNoLeaksInLog(who, log, env, key_files);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
  CheckLogForLeaks("the server", stderr_text(), env_, data_dir_);
  std::error_code ec;
  std::filesystem::remove_all(log_dir_, ec);
}

std::string ServerProcess::stdout_text() const { return Slurp(log_dir_ + "/stdout"); }
std::string ServerProcess::stderr_text() const { return Slurp(log_dir_ + "/stderr"); }

namespace {
// The first match of `pattern`'s group 1 in what the server printed, waiting a while for it: the
// first start prints its banner just after it starts listening.
std::string AwaitPrinted(const ServerProcess& server, const std::regex& pattern) {
  std::smatch m;
  std::string out = server.stdout_text();
  WaitUntil([&] { out = server.stdout_text(); return std::regex_search(out, m, pattern); }, std::chrono::seconds(10));
  return std::regex_search(out, m, pattern) ? std::string(m[1]) : "";
}
}  // namespace

std::string ServerProcess::first_run_key() const {
  static const std::regex kKey(R"((rfx_[A-Za-z0-9_-]{43}))");
  return AwaitPrinted(*this, kKey);
}

std::string ServerProcess::first_run_sign_in_link() const {
  static const std::regex kLink(R"((http://\S+/signin#[A-Za-z0-9_-]{43}))");
  return AwaitPrinted(*this, kLink);
}

void ServerProcess::Kill() { Terminate(pid_, SIGKILL); }
int ServerProcess::Stop() { return WithLogIfUnclean(Terminate(pid_, SIGTERM)); }

int ServerProcess::StopThroughThread(pid_t thread) {
  if (pid_ <= 0) return -1;
  ::syscall(SYS_tgkill, pid_, thread, SIGTERM);
  return WithLogIfUnclean(WaitForExit(pid_));
}

// A server that did not stop cleanly says why in its log: show its end with the failure.
int ServerProcess::WithLogIfUnclean(int code) const {
  if (code != 0) std::cerr << "the server exited with " << code << "; the end of its stderr:\n" << LogTail(stderr_text());
  return code;
}

std::vector<pid_t> ServerProcess::OtherThreadsAccepting(int signal_number) const {
  std::vector<pid_t> threads;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/task", ec)) {
    pid_t thread = std::stoi(task.path().filename().string());
    std::istringstream status(Slurp(task.path() / "status"));
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("SigBlk:", 0) != 0) continue;
      unsigned long long blocked = std::stoull(line.substr(7), nullptr, 16);
      if (thread != pid_ && !(blocked & (1ULL << (signal_number - 1)))) threads.push_back(thread);
    }
  }
  return threads;
}

WorkerProcess::WorkerProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                             const std::string& scratch_dir)
    : data_dir_(scratch_dir), log_dir_(scratch_dir + "-logs-" + NewId()), env_(env) {
  std::filesystem::create_directories(log_dir_);
  pid_ = Spawn(args, env, log_dir_ + "/stdout", log_dir_ + "/stderr");
}

WorkerProcess::~WorkerProcess() {
  Kill();
  CheckLogForLeaks("a worker", stderr_text(), env_, data_dir_);
  std::error_code ec;
  std::filesystem::remove_all(log_dir_, ec);
}

std::string WorkerProcess::stderr_text() const { return Slurp(log_dir_ + "/stderr"); }
std::string WorkerProcess::base_url() const {
  static const std::regex kListening(R"(listening on (http://127\.0\.0\.1:\d+))");
  std::string url;
  WaitUntil([&] {
    std::smatch m;
    std::string err = stderr_text();
    if (std::regex_search(err, m, kListening)) url = m[1];
    return !url.empty();
  }, std::chrono::seconds(60));
  if (url.empty()) throw std::runtime_error("it never said where it listens:\n" + stderr_text());
  return url;
}
void WorkerProcess::Kill() { Terminate(pid_, SIGKILL); }
int WorkerProcess::Stop() { return Terminate(pid_, SIGTERM); }

int RunReflexio(const std::vector<std::string>& args, std::string* out, std::string* err,
                const std::map<std::string, std::string>& env) {
  TempDir logs;
  pid_t pid = Spawn(args, env, logs / "out", logs / "err");
  int status = 0;
  waitpid(pid, &status, 0);
  if (out) *out = Slurp(logs / "out");
  if (err) *err = Slurp(logs / "err");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string CreateKey(const std::string& data_dir, const std::string& tenant,
                      const std::map<std::string, std::string>& env) {
  std::string out;
  if (RunReflexio({"keys", "create", "--tenant", tenant, "--data-dir", data_dir}, &out, nullptr, env) != 0) return "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.substr(out.rfind('\n') + 1);
}

HttpResponse Client::Send(HttpRequest request) const {
  request.url = base_url_ + request.url;
  if (!key_.empty()) request.headers.emplace_back("Authorization", "Bearer " + key_);
  request.timeout_s = 60;
  auto response = CurlHttpClient().Send(request);
  if (!response.ok()) throw std::runtime_error(response.status().ToString());
  if (contract_ == Contract::kReflexio) RecordAnswer(request.method, request.url, *response);
  return *response;
}

HttpResponse Client::SendJson(const std::string& method, const std::string& path, const std::string& body) const {
  HttpRequest request;
  request.method = method;
  request.url = path;
  request.body = body;
  request.headers.emplace_back("Content-Type", "application/json");
  return Send(std::move(request));
}

HttpResponse Client::Get(const std::string& path, std::vector<std::pair<std::string, std::string>> headers) const {
  HttpRequest request;
  request.url = path;
  request.headers = std::move(headers);
  return Send(std::move(request));
}

HttpResponse Client::Upload(const std::string& body, const std::string& content_type,
                            std::vector<std::pair<std::string, std::string>> headers) const {
  HttpRequest request;
  request.method = "POST";
  request.url = "/v1/recordings";
  request.body = body;
  request.headers = std::move(headers);
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  return Send(std::move(request));
}

nlohmann::json Client::GetJson(const std::string& path) const {
  return nlohmann::json::parse(Get(path).body, nullptr, false);
}

nlohmann::json Client::WaitForRecording(const std::string& id, std::chrono::seconds timeout) const {
  nlohmann::json recording;
  WaitUntil([&] {
    recording = GetJson("/v1/recordings/" + id);
    std::string status = recording.value("status", "");
    return status == "transcribed" || status == "failed";
  }, timeout);
  return recording;
}

}  // namespace reflexio::testing
