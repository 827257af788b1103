// A client for the OpenAI-compatible transcription API, `POST {base}/v1/audio/transcriptions`
// (multipart: file, model, response_format=verbose_json, timestamp_granularities[]=word,
// optional language), as spoken by whisper.cpp's server, faster-whisper servers and OpenAI.
//
// RemoteEndpoints is shared by every RemoteEngine of a process and is thread-safe: it hands out
// endpoints round-robin and keeps a circuit breaker per endpoint (after N consecutive failures
// an endpoint is skipped for a cool-down, then tried again). A RemoteEngine itself is cheap and
// used by one thread at a time. FallbackEngine runs a second engine when the first fails.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "asr/engine.h"
#include "core/circuit_breaker.h"
#include "core/config.h"
#include "core/http_client.h"
#include "core/mutex.h"
#include "core/time.h"

namespace reflexio {

class RemoteEndpoints {
 public:
  RemoteEndpoints(std::vector<std::string> base_urls, int breaker_failures, double cooldown_s,
                  const Clock& clock = SystemClock::Instance());
  // Endpoints to try for one request, best first; empty when every circuit is open.
  std::vector<size_t> Order();
  void RecordSuccess(size_t index);
  void RecordFailure(size_t index);
  const std::string& BaseUrl(size_t index) const { return base_urls_[index]; }
  size_t size() const { return base_urls_.size(); }
  size_t OpenCircuits() const;

 private:
  std::vector<std::string> base_urls_;
  double cooldown_s_;
  std::vector<CircuitBreaker> breakers_;
  Mutex mutex_;
  size_t next_ GUARDED_BY(mutex_) = 0;
};

class RemoteEngine : public AsrEngine {
 public:
  RemoteEngine(RemoteAsrConfig config, std::shared_ptr<RemoteEndpoints> endpoints,
               std::shared_ptr<HttpClient> http);
  std::string Name() const override { return "remote"; }
  Result<Recognition> Transcribe(std::span<const float> samples_16k) override;
  Status Ready() const override;  // not while every endpoint's circuit is open
  bool IsLocal() const override { return false; }

 private:
  Result<Recognition> TryEndpoint(size_t index, const std::string& wav);
  RemoteAsrConfig config_;
  std::shared_ptr<RemoteEndpoints> endpoints_;
  std::shared_ptr<HttpClient> http_;
};

// Parses a verbose_json body (OpenAI: words at the top level; whisper.cpp: words inside
// segments; plain segments: words spread evenly over each segment).
Result<Recognition> ParseVerboseJson(const std::string& body);

class FallbackEngine : public AsrEngine {
 public:
  // The fallback is created on first need, so a healthy remote costs no local model memory.
  FallbackEngine(std::unique_ptr<AsrEngine> primary, AsrEngineFactory fallback_factory);
  std::string Name() const override { return primary_->Name(); }
  Result<Recognition> Transcribe(std::span<const float> samples_16k) override;
  // The primary's, unless there is a fallback to take over.
  Status Ready() const override;
  bool IsLocal() const override { return primary_->IsLocal(); }
  double PackedWindowSeconds() const override { return primary_->PackedWindowSeconds(); }
  bool UsesEveryCore() const override { return primary_->UsesEveryCore(); }
  // The primary when it is local, else straight to the fallback (when that is local).
  Result<Recognition> TranscribeLocally(std::span<const float> samples_16k) override;

 private:
  Result<AsrEngine*> Fallback();
  std::unique_ptr<AsrEngine> primary_;
  AsrEngineFactory fallback_factory_;
  std::unique_ptr<AsrEngine> fallback_;
};

}  // namespace reflexio
