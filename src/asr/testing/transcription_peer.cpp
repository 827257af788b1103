#include "asr/testing/transcription_peer.h"

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <cstring>

namespace reflexio::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

struct TranscriptionPeer::Impl {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
};

TranscriptionPeer::TranscriptionPeer() : impl_(std::make_unique<Impl>()) {
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  thread_ = std::thread([this] { Serve(); });
}

TranscriptionPeer::~TranscriptionPeer() {
  // A blocked accept()/read() is woken by shutdown(), not by close() from another thread.
  stopping_ = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  thread_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(mutex_);
    for (int fd : connection_fds_) ::shutdown(fd, SHUT_RDWR);
    connections.swap(connections_);
  }
  for (auto& t : connections) t.join();
}

void TranscriptionPeer::FailNext(int count, int status) {
  fail_status_ = status;
  fail_next_ = count;
}

void TranscriptionPeer::RequireKey(const std::string& key) {
  std::lock_guard lock(mutex_);
  required_key_ = key;
}

std::vector<TranscriptionPeer::SeenRequest> TranscriptionPeer::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

void TranscriptionPeer::Serve() {
  while (true) {
    asio::ip::tcp::socket socket(impl_->io);
    boost::system::error_code ec;
    impl_->acceptor.accept(socket, ec);
    if (ec || stopping_) return;
    std::lock_guard lock(mutex_);
    connection_fds_.push_back(socket.native_handle());
    connections_.emplace_back([this, s = std::move(socket)]() mutable {
      beast::flat_buffer buffer;
      boost::system::error_code ec;
      while (true) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        http::read(s, buffer, parser, ec);
        if (ec) return;
        auto& req = parser.get();
        http::response<http::string_body> res;
        int status = 200;
        if (req.method() != http::verb::post || req.target() != "/v1/audio/transcriptions") {
          status = 404;
          res.body() = R"({"error":{"message":"not found","type":"invalid_request_error"}})";
        } else {
          res.body() = Handle(std::string(req[http::field::content_type]),
                              std::string(req[http::field::authorization]), req.body(), status);
        }
        res.result(status);
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        http::write(s, res, ec);
        if (ec || !req.keep_alive()) return;
      }
    });
  }
}

namespace {
std::string Param(const std::string& header, const std::string& name) {
  auto pos = header.find(name + "=");
  if (pos == std::string::npos) return "";
  pos += name.size() + 1;
  if (pos < header.size() && header[pos] == '"') {
    auto end = header.find('"', pos + 1);
    return header.substr(pos + 1, end - pos - 1);
  }
  auto end = header.find_first_of("; \r", pos);
  return header.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

std::string Error(const std::string& message) {
  return json{{"error", {{"message", message}, {"type", "invalid_request_error"}}}}.dump();
}
}  // namespace

std::string TranscriptionPeer::Handle(const std::string& content_type, const std::string& authorization,
                                      const std::string& body, int& status) {
  ++received_;
  {
    std::lock_guard lock(mutex_);
    if (!required_key_.empty() && authorization != "Bearer " + required_key_) {
      status = 401;
      return Error("Incorrect API key provided");
    }
  }
  if (fail_next_.load() > 0) {
    --fail_next_;
    status = fail_status_;
    return Error("the peer was told to fail this request");
  }
  std::string boundary = Param(content_type, "boundary");
  if (content_type.rfind("multipart/form-data", 0) != 0 || boundary.empty()) {
    status = 400;
    return Error("expected multipart/form-data");
  }
  SeenRequest seen;
  seen.authorization = authorization;
  std::string file;
  const std::string delimiter = "--" + boundary;
  size_t pos = body.find(delimiter);
  while (pos != std::string::npos) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) break;
    pos += 2;  // CRLF
    size_t header_end = body.find("\r\n\r\n", pos);
    size_t next = body.find("\r\n" + delimiter, header_end);
    if (header_end == std::string::npos || next == std::string::npos) break;
    std::string headers = body.substr(pos, header_end - pos);
    std::string data = body.substr(header_end + 4, next - header_end - 4);
    std::string name = Param(headers, "name");
    if (headers.find("filename=") != std::string::npos) {
      file = data;
      auto ct = headers.find("Content-Type:");
      if (ct != std::string::npos) {
        seen.file_content_type = headers.substr(ct + 14, headers.find("\r\n", ct) - ct - 14);
      }
    } else if (name == "timestamp_granularities[]") {
      seen.granularities.push_back(data);
    } else {
      seen.fields[name] = data;
    }
    pos = next + 2;
  }
  if (file.size() < 44 || file.compare(0, 4, "RIFF") != 0 || !seen.fields.count("model")) {
    status = 400;
    return Error("a WAV 'file' and a 'model' are required");
  }
  uint32_t rate = 0, data_bytes = 0;
  std::memcpy(&rate, file.data() + 24, 4);
  std::memcpy(&data_bytes, file.data() + 40, 4);
  seen.audio_seconds = rate ? data_bytes / 2.0 / rate : 0;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(seen);
  }
  ++answered_;

  const char* kWords[] = {"remote", "peer", "words"};
  double start = std::min(0.1, seen.audio_seconds / 4);
  double step = (seen.audio_seconds - 2 * start) / 3;
  json words = json::array();
  for (int i = 0; i < 3; ++i) {
    words.push_back({{"word", std::string(" ") + kWords[i]}, {"start", start + i * step},
                     {"end", start + (i + 1) * step}, {"probability", 0.9}});
  }
  json out = {{"task", "transcribe"}, {"language", "english"}, {"duration", seen.audio_seconds},
              {"text", " remote peer words"}};
  json segment = {{"id", 0}, {"start", start}, {"end", seen.audio_seconds - start},
                  {"text", " remote peer words"}, {"avg_logprob", -0.1}};
  if (layout_ == Layout::kWhisperCpp) {
    segment["words"] = words;
  } else {
    out["words"] = words;
  }
  out["segments"] = json::array({segment});
  return out.dump();
}

}  // namespace reflexio::testing
