#include "asr/testing/transcription_peer.h"

#include "core/testing/multipart.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

namespace reflexio::testing {

using nlohmann::json;

TranscriptionPeer::TranscriptionPeer() {
  server_ = std::make_unique<LocalHttpPeer>([this](const PeerRequest& request) {
    PeerResponse response;
    if (request.method != "POST" || request.target != "/v1/audio/transcriptions") {
      response.status = 404;
      response.body = R"({"error":{"message":"not found","type":"invalid_request_error"}})";
      return response;
    }
    response.body = Handle(request.Header("content-type"), request.Header("authorization"), request.body,
                           response.status);
    return response;
  });
}

void TranscriptionPeer::FailNext(int count, int status) {
  fail_status_ = status;
  fail_next_ = count;
}

void TranscriptionPeer::RequireKey(const std::string& key) {
  MutexLock lock(mutex_);
  required_key_ = key;
}

std::vector<TranscriptionPeer::SeenRequest> TranscriptionPeer::requests() {
  MutexLock lock(mutex_);
  return requests_;
}

namespace {
std::string Error(const std::string& message) {
  return json{{"error", {{"message", message}, {"type", "invalid_request_error"}}}}.dump();
}
}  // namespace

std::string TranscriptionPeer::Handle(const std::string& content_type, const std::string& authorization,
                                      const std::string& body, int& status) {
  ++received_;
  if (delay_s_.load() > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay_s_.load()));
  {
    MutexLock lock(mutex_);
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
  auto parts = ParseMultipartForm(content_type, body);
  if (!parts) {
    status = 400;
    return Error("expected multipart/form-data");
  }
  SeenRequest seen;
  seen.authorization = authorization;
  std::string file;
  for (const MultipartPart& part : *parts) {
    if (!part.filename.empty()) {
      file = part.data;
      seen.file_content_type = part.content_type;
    } else if (part.name == "timestamp_granularities[]") {
      seen.granularities.push_back(part.data);
    } else {
      seen.fields[part.name] = part.data;
    }
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
    MutexLock lock(mutex_);
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
