#include "asr/remote_engine.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "audio/opus_encoder.h"
#include "core/log.h"
#include "core/strings.h"

namespace reflexio {

using nlohmann::json;

RemoteEndpoints::RemoteEndpoints(std::vector<std::string> base_urls, int breaker_failures,
                                 double cooldown_s, const Clock& clock)
    : base_urls_(std::move(base_urls)), cooldown_s_(cooldown_s),
      breakers_(base_urls_.size(), CircuitBreaker(breaker_failures, cooldown_s, clock)) {
  for (auto& url : base_urls_) url = WithoutTrailingSlashes(url);
}

std::vector<size_t> RemoteEndpoints::Order() {
  MutexLock lock(mutex_);
  std::vector<size_t> order;
  if (base_urls_.empty()) return order;
  size_t start = next_++ % base_urls_.size();
  for (size_t k = 0; k < base_urls_.size(); ++k) {
    size_t i = (start + k) % base_urls_.size();
    if (breakers_[i].Allow()) order.push_back(i);
  }
  return order;
}

void RemoteEndpoints::RecordSuccess(size_t index) { breakers_[index].RecordSuccess(); }

void RemoteEndpoints::RecordFailure(size_t index) {
  if (breakers_[index].RecordFailure()) {
    LOG_WARN("remote ASR endpoint " << base_urls_[index] << " failed " << breakers_[index].consecutive_failures()
                                    << " times in a row; skipping it for " << cooldown_s_ << " s");
  }
}

size_t RemoteEndpoints::OpenCircuits() const {
  return std::count_if(breakers_.begin(), breakers_.end(), [](const CircuitBreaker& b) { return b.IsOpen(); });
}

Status RemoteEngine::Ready() const {
  if (endpoints_->OpenCircuits() < endpoints_->size()) return Status::Ok();
  return Unavailable("every remote transcription endpoint (" + std::to_string(endpoints_->size()) +
                         ") keeps failing; its circuit is open until the cool-down passes",
                     "remote_asr_unavailable");
}

RemoteEngine::RemoteEngine(RemoteAsrConfig config, std::shared_ptr<RemoteEndpoints> endpoints,
                           std::shared_ptr<HttpClient> http)
    : config_(std::move(config)), endpoints_(std::move(endpoints)), http_(std::move(http)) {}

namespace {

std::string LanguageCode(const std::string& language) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"english", "en"}, {"russian", "ru"}, {"german", "de"}, {"french", "fr"}, {"spanish", "es"},
      {"ukrainian", "uk"}, {"italian", "it"}, {"portuguese", "pt"}, {"chinese", "zh"}, {"japanese", "ja"}};
  std::string lower = AsciiLower(language);
  for (auto [name, code] : kNames) {
    if (lower == name) return code;
  }
  return lower;
}

void AddWord(Recognition& out, const json& w) {
  std::string word = TrimWhitespace(w.value("word", w.value("text", std::string())));
  if (word.empty()) return;
  double p = w.contains("probability") ? w["probability"].get<double>()
             : w.contains("p")         ? w["p"].get<double>()
                                       : 1.0;
  out.words.push_back({word, w.value("start", 0.0), w.value("end", 0.0), std::clamp(p, 0.0, 1.0)});
}

}  // namespace

Result<Recognition> ParseVerboseJson(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Unavailable("the transcription server answered with something that is not JSON",
                       "upstream_bad_response");
  }
  Recognition out;
  out.engine = "remote";
  out.language = LanguageCode(j.value("language", std::string()));
  out.text = TrimWhitespace(j.value("text", std::string()));
  try {
    if (j.contains("words") && j["words"].is_array()) {
      for (const auto& w : j["words"]) AddWord(out, w);
    } else if (j.contains("segments") && j["segments"].is_array()) {
      for (const auto& seg : j["segments"]) {
        if (seg.contains("words") && seg["words"].is_array() && !seg["words"].empty()) {
          for (const auto& w : seg["words"]) AddWord(out, w);
          continue;
        }
        // No word times offered: spread the segment's words evenly over it.
        std::istringstream words(seg.value("text", std::string()));
        std::vector<std::string> tokens;
        for (std::string t; words >> t;) tokens.push_back(t);
        double start = seg.value("start", 0.0), end = seg.value("end", 0.0);
        double conf = seg.contains("avg_logprob") ? std::exp(seg["avg_logprob"].get<double>()) : 1.0;
        for (size_t i = 0; i < tokens.size(); ++i) {
          double step = (end - start) / tokens.size();
          out.words.push_back({tokens[i], start + i * step, start + (i + 1) * step, std::clamp(conf, 0.0, 1.0)});
        }
      }
    }
  } catch (const json::exception& e) {
    return Unavailable(std::string("the transcription server's JSON has an unexpected shape: ") + e.what(),
                       "upstream_bad_response");
  }
  if (out.text.empty()) out.text = JoinWords(out.words);
  return out;
}

Result<Recognition> RemoteEngine::TryEndpoint(size_t index, const std::string& wav) {
  HttpRequest request;
  request.method = "POST";
  request.url = endpoints_->BaseUrl(index) + "/v1/audio/transcriptions";
  request.timeout_s = config_.timeout_s;
  if (!config_.api_key.empty()) request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  request.multipart.push_back({"file", wav, "segment.wav", "audio/wav"});
  request.multipart.push_back({"model", config_.model, "", ""});
  request.multipart.push_back({"response_format", "verbose_json", "", ""});
  request.multipart.push_back({"timestamp_granularities[]", "word", "", ""});
  request.multipart.push_back({"timestamp_granularities[]", "segment", "", ""});
  if (!config_.language.empty()) request.multipart.push_back({"language", config_.language, "", ""});
  ASSIGN_OR_RETURN(HttpResponse response, http_->Send(request));
  if (response.status != 200) {
    return Unavailable("transcription server " + endpoints_->BaseUrl(index) + " answered HTTP " +
                           std::to_string(response.status),
                       "upstream_error");
  }
  return ParseVerboseJson(response.body);
}

Result<Recognition> RemoteEngine::Transcribe(std::span<const float> samples) {
  std::vector<size_t> order = endpoints_->Order();
  if (order.empty()) {
    return Unavailable("every remote transcription endpoint is failing; their circuits are open",
                       "upstream_circuit_open");
  }
  const std::string wav = EncodeWav16(samples);
  Status last;
  for (int attempt = 0; attempt <= config_.retries; ++attempt) {
    size_t index = order[attempt % order.size()];
    auto result = TryEndpoint(index, wav);
    if (result.ok()) {
      endpoints_->RecordSuccess(index);
      return result;
    }
    endpoints_->RecordFailure(index);
    last = result.status();
    LOG_WARN("remote ASR attempt " << attempt + 1 << " failed: " << last.message());
  }
  return last;
}

FallbackEngine::FallbackEngine(std::unique_ptr<AsrEngine> primary, AsrEngineFactory fallback_factory)
    : primary_(std::move(primary)), fallback_factory_(std::move(fallback_factory)) {}

Result<AsrEngine*> FallbackEngine::Fallback() {
  if (!fallback_factory_) return Unavailable("no fallback engine is configured", "no_fallback");
  if (!fallback_) {
    ASSIGN_OR_RETURN(fallback_, fallback_factory_());
  }
  return fallback_.get();
}

Status FallbackEngine::Ready() const {
  Status primary = primary_->Ready();
  // The fallback is made on first need, so only its factory can be asked about here.
  if (primary.ok() || fallback_factory_) return Status::Ok();
  return primary;
}

Result<Recognition> FallbackEngine::Transcribe(std::span<const float> samples) {
  auto result = primary_->Transcribe(samples);
  if (result.ok() || !fallback_factory_) return result;
  auto fallback = Fallback();
  if (!fallback.ok()) return result.status().WithContext("fallback unavailable (" + fallback.status().message() + ")");
  LOG_WARN("using the " << (*fallback)->Name() << " engine because " << primary_->Name()
                        << " failed: " << result.status().message());
  return (*fallback)->Transcribe(samples);
}

Result<Recognition> FallbackEngine::TranscribeLocally(std::span<const float> samples) {
  if (primary_->IsLocal()) return primary_->TranscribeLocally(samples);
  auto fallback = Fallback();
  if (!fallback.ok()) {
    return Status(ErrorCode::kPermissionDenied, "remote_refused",
                  "this tenant opted out of sending audio away, and no local engine is configured "
                  "(enable REFLEXIO_ASR_REMOTE_FALLBACK)");
  }
  return (*fallback)->TranscribeLocally(samples);
}

}  // namespace reflexio
