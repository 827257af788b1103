// A local HTTP peer speaking the OpenAI-compatible transcription API, for tests only.
//
// It listens on 127.0.0.1 (port 0), accepts `POST /v1/audio/transcriptions` as multipart
// form-data, checks the fields a real server requires (file, model), reads the WAV it was sent,
// and answers verbose_json whose words ("remote peer words") are spread over the audio it
// received — in OpenAI's layout (top-level words) or whisper.cpp's (words inside segments).
// It can be told to fail the next N requests, to answer only after a delay, or to require a key.
// Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/testing/local_http_peer.h"

namespace reflexio::testing {

class TranscriptionPeer {
 public:
  enum class Layout { kOpenAi, kWhisperCpp };
  struct SeenRequest {
    std::map<std::string, std::string> fields;  // non-file fields, last value wins
    std::vector<std::string> granularities;
    std::string file_content_type;
    std::string authorization;
    double audio_seconds = 0;
  };

  TranscriptionPeer();

  std::string base_url() const { return server_->base_url(); }
  void FailNext(int count, int status = 503);
  void SetDelay(double seconds) { delay_s_ = seconds; }  // before every answer
  void SetLayout(Layout layout) { layout_ = layout; }
  void RequireKey(const std::string& key);
  std::vector<SeenRequest> requests();
  int answered() const { return answered_; }  // requests answered with a transcript
  int received() const { return received_; }  // every request, failed ones included

 private:
  std::string Handle(const std::string& content_type, const std::string& authorization,
                     const std::string& body, int& status);

  std::atomic<Layout> layout_{Layout::kOpenAi};
  std::atomic<int> fail_next_{0};
  std::atomic<int> fail_status_{503};
  std::atomic<double> delay_s_{0};
  std::atomic<int> answered_{0};
  std::atomic<int> received_{0};
  Mutex mutex_;
  std::string required_key_ GUARDED_BY(mutex_);
  std::vector<SeenRequest> requests_ GUARDED_BY(mutex_);
  std::unique_ptr<LocalHttpPeer> server_;  // last: stopped first, while the state above still exists
};

}  // namespace reflexio::testing
