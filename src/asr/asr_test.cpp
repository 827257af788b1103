#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "asr/engine_pool.h"
#include "asr/pocketsphinx_engine.h"
#include "asr/remote_engine.h"
#include "asr/testing/transcription_peer.h"
#include "audio/decoder.h"
#include "core/test_support.h"
#include "text/wer.h"

namespace reflexio {
namespace {

using testing::SpeechDir;
using testing::TranscriptionPeer;

const char* kModelDir = "/usr/share/pocketsphinx/model/en-us";

std::vector<float> Load(const std::string& name) {
  auto audio = DecodeAudioFile((SpeechDir() / name).string());
  EXPECT_TRUE(audio.ok()) << name;
  return audio.ok() ? audio->samples : std::vector<float>{};
}

TEST(CleanRecognizerToken, DropsFillersAndVariantMarks) {
  EXPECT_EQ(CleanRecognizerToken("<sil>"), "");
  EXPECT_EQ(CleanRecognizerToken("<s>"), "");
  EXPECT_EQ(CleanRecognizerToken("[NOISE]"), "");
  EXPECT_EQ(CleanRecognizerToken("++BREATH++"), "");
  EXPECT_EQ(CleanRecognizerToken("read(2)"), "read");
  EXPECT_EQ(CleanRecognizerToken("forward"), "forward");
}

TEST(PocketSphinx, RecognisesRealSpeechWithWordTimes) {
  auto engine = PocketSphinxEngine::Create(kModelDir);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto samples = Load("goforward.wav");
  auto result = (*engine)->Transcribe(samples);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->engine, "pocketsphinx");
  auto errors = ScoreWords("go forward ten meters", result->text);
  EXPECT_LE(errors.Rate(), 0.5) << result->text;
  double duration = samples.size() / double(kSampleRate);
  double previous_end = 0;
  ASSERT_FALSE(result->words.empty());
  for (const auto& w : result->words) {
    EXPECT_EQ(w.word.find_first_of("<[(+"), std::string::npos) << w.word;
    EXPECT_GE(w.start_s, previous_end - 1e-9);
    EXPECT_GT(w.end_s, w.start_s);
    EXPECT_LE(w.end_s, duration + 0.02);
    EXPECT_GE(w.confidence, 0.0);
    EXPECT_LE(w.confidence, 1.0);
    previous_end = w.end_s;
  }
}

TEST(PocketSphinx, SilenceGivesNoWords) {
  auto engine = PocketSphinxEngine::Create(kModelDir);
  ASSERT_TRUE(engine.ok());
  std::vector<float> silence(kSampleRate, 0.0f);
  auto result = (*engine)->Transcribe(silence);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->words.empty()) << result->text;
}

TEST(PocketSphinx, MissingModelSaysWhatToInstall) {
  auto engine = PocketSphinxEngine::Create("/nonexistent");
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().message().find("pocketsphinx-en-us"), std::string::npos);
}

RemoteAsrConfig PeerConfig(std::vector<std::string> urls) {
  RemoteAsrConfig config;
  config.base_urls = std::move(urls);
  config.api_key = "sk-test";
  config.model = "whisper-large-v3";
  config.language = "en";
  config.timeout_s = 5;
  config.retries = 2;
  config.breaker_failures = 2;
  config.breaker_cooldown_s = 60;
  return config;
}

RemoteEngine MakeRemote(const RemoteAsrConfig& config) {
  return RemoteEngine(config,
                      std::make_shared<RemoteEndpoints>(config.base_urls, config.breaker_failures,
                                                        config.breaker_cooldown_s),
                      std::make_shared<CurlHttpClient>());
}

TEST(RemoteEngine, SpeaksTheOpenAiTranscriptionProtocol) {
  TranscriptionPeer peer;
  peer.RequireKey("sk-test");
  auto config = PeerConfig({peer.base_url()});
  RemoteEngine engine = MakeRemote(config);
  std::vector<float> audio(2 * kSampleRate, 0.01f);
  auto result = engine.Transcribe(audio);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->text, "remote peer words");
  EXPECT_EQ(result->language, "en");
  ASSERT_EQ(result->words.size(), 3u);
  EXPECT_EQ(result->words[1].word, "peer");
  EXPECT_NEAR(result->words.front().start_s, 0.1, 1e-6);
  EXPECT_NEAR(result->words.back().end_s, 1.9, 1e-6);
  auto seen = peer.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].fields["model"], "whisper-large-v3");
  EXPECT_EQ(seen[0].fields["response_format"], "verbose_json");
  EXPECT_EQ(seen[0].fields["language"], "en");
  EXPECT_EQ(seen[0].file_content_type, "audio/wav");
  EXPECT_EQ(seen[0].authorization, "Bearer sk-test");
  EXPECT_NE(std::find(seen[0].granularities.begin(), seen[0].granularities.end(), "word"),
            seen[0].granularities.end());
  EXPECT_NEAR(seen[0].audio_seconds, 2.0, 1e-6);
}

TEST(RemoteEngine, ReadsWhisperCppLayoutWithWordsInsideSegments) {
  TranscriptionPeer peer;
  peer.SetLayout(TranscriptionPeer::Layout::kWhisperCpp);
  RemoteEngine engine = MakeRemote(PeerConfig({peer.base_url()}));
  auto result = engine.Transcribe(std::vector<float>(kSampleRate, 0.01f));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->words.size(), 3u);
  EXPECT_NEAR(result->words[2].confidence, 0.9, 1e-9);
}

TEST(RemoteEngine, SpreadsSegmentTextWhenNoWordTimesAreOffered) {
  auto parsed = ParseVerboseJson(R"({"text":"a b","segments":[{"start":1.0,"end":2.0,"text":" a b"}]})");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->words.size(), 2u);
  EXPECT_DOUBLE_EQ(parsed->words[1].start_s, 1.5);
  EXPECT_FALSE(ParseVerboseJson("<html>bad gateway</html>").ok());
}

TEST(RemoteEngine, RetriesOnTheNextEndpoint) {
  TranscriptionPeer failing, healthy;
  failing.FailNext(100, 500);
  auto config = PeerConfig({failing.base_url(), healthy.base_url()});
  RemoteEngine engine = MakeRemote(config);
  for (int i = 0; i < 4; ++i) {
    auto result = engine.Transcribe(std::vector<float>(kSampleRate, 0.01f));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
  }
  EXPECT_EQ(healthy.answered(), 4);
}

TEST(RemoteEngine, RoundRobinSpreadsRequestsOverHealthyEndpoints) {
  TranscriptionPeer a, b, c;
  RemoteEngine engine = MakeRemote(PeerConfig({a.base_url(), b.base_url(), c.base_url()}));
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(engine.Transcribe(std::vector<float>(kSampleRate, 0.01f)).ok());
  EXPECT_EQ(a.answered(), 3);
  EXPECT_EQ(b.answered(), 3);
  EXPECT_EQ(c.answered(), 3);
}

// A slow endpoint is given up after the configured timeout, and the request goes to the next.
TEST(RemoteEngine, ASlowEndpointTimesOutAndTheNextOneAnswers) {
  TranscriptionPeer slow, quick;
  slow.SetDelay(2.5);
  auto config = PeerConfig({slow.base_url(), quick.base_url()});
  config.timeout_s = 0.3;
  config.retries = 1;
  RemoteEngine engine = MakeRemote(config);
  auto started = std::chrono::steady_clock::now();
  auto result = engine.Transcribe(std::vector<float>(kSampleRate, 0.01f));
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(quick.answered(), 1);
  EXPECT_EQ(slow.answered(), 0);
  EXPECT_LT(waited, 2.0) << "cut off at the timeout, not after the slow endpoint's 2.5 s";
  // Only slow endpoints: unavailable, with the timeout in the reason.
  auto alone = PeerConfig({slow.base_url()});
  alone.timeout_s = 0.3;
  alone.retries = 0;
  auto timed_out = MakeRemote(alone).Transcribe(std::vector<float>(kSampleRate, 0.01f));
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(timed_out.status().message().find("Timeout"), std::string::npos) << timed_out.status().message();
}

TEST(RemoteEngine, CircuitOpensAfterRepeatedFailuresAndStopsCallingTheEndpoint) {
  TranscriptionPeer failing, healthy;
  failing.FailNext(1000, 503);
  auto config = PeerConfig({failing.base_url(), healthy.base_url()});
  auto endpoints = std::make_shared<RemoteEndpoints>(config.base_urls, 2, 60);
  RemoteEngine engine(config, endpoints, std::make_shared<CurlHttpClient>());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(engine.Transcribe(std::vector<float>(kSampleRate, 0.01f)).ok());
  EXPECT_EQ(endpoints->OpenCircuits(), 1u);
  // The failing endpoint was tried only until its circuit opened (2 consecutive failures).
  EXPECT_EQ(failing.received(), 2);
  EXPECT_EQ(healthy.answered(), 10);
}

TEST(RemoteEngine, IsNotReadyWhileEveryCircuitIsOpenAndReadyAgainAfterTheCoolDown) {
  TranscriptionPeer failing;
  failing.FailNext(1000, 503);
  auto config = PeerConfig({failing.base_url()});
  config.retries = 0;
  testing::FakeClock clock;
  auto endpoints = std::make_shared<RemoteEndpoints>(config.base_urls, 2, 60, clock);
  RemoteEngine engine(config, endpoints, std::make_shared<CurlHttpClient>());
  EXPECT_TRUE(engine.Ready().ok());
  EXPECT_FALSE(engine.Transcribe(std::vector<float>(kSampleRate, 0.01f)).ok());
  EXPECT_TRUE(engine.Ready().ok()) << "one failure does not open the circuit";
  EXPECT_FALSE(engine.Transcribe(std::vector<float>(kSampleRate, 0.01f)).ok());
  Status ready = engine.Ready();
  EXPECT_EQ(ready.code(), ErrorCode::kUnavailable);
  EXPECT_NE(ready.message().find("every remote transcription endpoint (1)"), std::string::npos) << ready.message();
  // Without a fallback the wrapper says the same; with one it can still take work.
  FallbackEngine alone(std::make_unique<RemoteEngine>(config, endpoints, std::make_shared<CurlHttpClient>()), {});
  EXPECT_FALSE(alone.Ready().ok());
  FallbackEngine covered(std::make_unique<RemoteEngine>(config, endpoints, std::make_shared<CurlHttpClient>()),
                         [] { return PocketSphinxEngine::Create(kModelDir); });
  EXPECT_TRUE(covered.Ready().ok());
  clock.Advance(61);
  EXPECT_TRUE(engine.Ready().ok()) << "after the cool-down one request is let through";
}

TEST(RemoteEngine, UnreachableEndpointIsUnavailable) {
  auto config = PeerConfig({"http://127.0.0.1:1"});
  config.retries = 0;
  RemoteEngine engine = MakeRemote(config);
  auto result = engine.Transcribe(std::vector<float>(kSampleRate, 0.01f));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kUnavailable);
}

TEST(FallbackEngine, UsesPocketSphinxWhenEveryRemoteFails) {
  TranscriptionPeer peer;
  peer.FailNext(1000, 503);
  auto config = PeerConfig({peer.base_url()});
  FallbackEngine engine(std::make_unique<RemoteEngine>(MakeRemote(config)),
                        [] { return PocketSphinxEngine::Create(kModelDir); });
  auto result = engine.Transcribe(Load("goforward.wav"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->engine, "pocketsphinx");
  EXPECT_LE(ScoreWords("go forward ten meters", result->text).Rate(), 0.5) << result->text;
}

class SlowEngine : public AsrEngine {
 public:
  SlowEngine(std::atomic<int>& active, std::atomic<int>& peak) : active_(active), peak_(peak) {}
  std::string Name() const override { return "slow"; }
  Status Ready() const override { return Status::Ok(); }
  Result<Recognition> Transcribe(std::span<const float> samples) override {
    int now = ++active_;
    int seen = peak_;
    while (now > seen && !peak_.compare_exchange_weak(seen, now)) {}
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    --active_;
    Recognition r;
    r.text = std::to_string(samples.size());
    return r;
  }

 private:
  std::atomic<int>& active_;
  std::atomic<int>& peak_;
};

TEST(EnginePool, RunsOneEnginePerThreadInParallel) {
  std::atomic<int> active{0}, peak{0};
  auto pool = EnginePool::Create(2, [&]() -> Result<std::unique_ptr<AsrEngine>> {
    return std::unique_ptr<AsrEngine>(std::make_unique<SlowEngine>(active, peak));
  });
  ASSERT_TRUE(pool.ok());
  std::vector<std::future<Result<Recognition>>> futures;
  for (int i = 0; i < 8; ++i) futures.push_back((*pool)->Submit(std::vector<float>(i + 1)));
  for (int i = 0; i < 8; ++i) {
    auto r = futures[i].get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->text, std::to_string(i + 1));
  }
  EXPECT_EQ(peak.load(), 2);
}

// A SlowEngine whose arithmetic, like Whisper's, already uses every core.
class EveryCoreEngine : public SlowEngine {
 public:
  using SlowEngine::SlowEngine;
  bool UsesEveryCore() const override { return true; }
};

TEST(EnginePool, AnEngineThatUsesEveryCoreRunsAlone) {
  std::atomic<int> active{0}, peak{0}, created{0};
  auto pool = EnginePool::Create(4, [&]() -> Result<std::unique_ptr<AsrEngine>> {
    ++created;
    return std::unique_ptr<AsrEngine>(std::make_unique<EveryCoreEngine>(active, peak));
  });
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ((*pool)->size(), 1);
  EXPECT_EQ(created.load(), 1);
  std::vector<std::future<Result<Recognition>>> futures;
  for (int i = 0; i < 4; ++i) futures.push_back((*pool)->Submit(std::vector<float>(i + 1)));
  for (auto& f : futures) ASSERT_TRUE(f.get().ok());
  EXPECT_EQ(peak.load(), 1);
}

// Fails while `failing` is set, with the reason given.
class SwitchableEngine : public AsrEngine {
 public:
  SwitchableEngine(std::atomic<bool>& failing, std::string reason) : failing_(failing), reason_(std::move(reason)) {}
  std::string Name() const override { return "switchable"; }
  Status Ready() const override { return Status::Ok(); }
  Result<Recognition> Transcribe(std::span<const float>) override {
    if (failing_) return Status(ErrorCode::kInternal, reason_, "the model broke");
    return Recognition{};
  }

 private:
  std::atomic<bool>& failing_;
  std::string reason_;
};

TEST(EnginePool, IsNotReadyAfterRepeatedFailuresAndReadyAgainAfterASuccess) {
  std::atomic<bool> failing{true};
  auto pool = EnginePool::Create(1, [&]() -> Result<std::unique_ptr<AsrEngine>> {
    return std::unique_ptr<AsrEngine>(std::make_unique<SwitchableEngine>(failing, "decode_failed"));
  });
  ASSERT_TRUE(pool.ok());
  EXPECT_TRUE((*pool)->Ready().ok());
  for (int i = 1; i < EnginePool::kFailuresUnready; ++i) EXPECT_FALSE((*pool)->Submit({0.0f}).get().ok());
  EXPECT_TRUE((*pool)->Ready().ok()) << "one failure short";
  EXPECT_FALSE((*pool)->Submit({0.0f}).get().ok());
  Status ready = (*pool)->Ready();
  EXPECT_EQ(ready.code(), ErrorCode::kUnavailable);
  EXPECT_NE(ready.message().find("the model broke"), std::string::npos) << ready.message();
  failing = false;
  EXPECT_TRUE((*pool)->Submit({0.0f}).get().ok());
  EXPECT_TRUE((*pool)->Ready().ok());

  // An opt-out refusing the remote engine is the tenant's choice, not the engine failing.
  std::atomic<bool> refusing{true};
  auto refused = EnginePool::Create(1, [&]() -> Result<std::unique_ptr<AsrEngine>> {
    return std::unique_ptr<AsrEngine>(std::make_unique<SwitchableEngine>(refusing, "remote_refused"));
  });
  for (int i = 0; i < 2 * EnginePool::kFailuresUnready; ++i) EXPECT_FALSE((*refused)->Submit({0.0f}).get().ok());
  EXPECT_TRUE((*refused)->Ready().ok());
}

TEST(EnginePool, FailsFastWhenAnEngineCannotBeCreated) {
  auto pool = EnginePool::Create(2, [] { return PocketSphinxEngine::Create("/nonexistent"); });
  EXPECT_FALSE(pool.ok());
}

}  // namespace
}  // namespace reflexio
