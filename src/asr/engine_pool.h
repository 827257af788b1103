// EnginePool: N worker threads, each with its own AsrEngine, transcribing submitted audio.
//
// This is how "one decoder per worker thread" is met: a recording's segments are submitted
// together and spread over every thread, so both cores work even on a single recording.
// Submit() is thread-safe; futures resolve in any order. The destructor finishes queued work.
#pragma once

#include <deque>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "asr/engine.h"
#include "core/mutex.h"

namespace reflexio {

class EnginePool {
 public:
  // Creates every engine up front so a missing model fails at start-up, not on first use. An
  // engine that uses every core by itself (AsrEngine::UsesEveryCore) gets one thread, whatever
  // `threads` asks.
  static Result<std::unique_ptr<EnginePool>> Create(int threads, const AsrEngineFactory& factory);
  ~EnginePool();

  // local_only: the tenant opted out of remote processing (AsrEngine::TranscribeLocally).
  std::future<Result<Recognition>> Submit(std::vector<float> samples_16k, bool local_only = false);
  int size() const { return static_cast<int>(threads_.size()); }
  const std::string& engine_name() const { return engine_name_; }
  // Whether submitted audio will be transcribed: the engines say they are ready (AsrEngine::Ready)
  // and the last kFailuresUnready transcriptions did not all fail. Thread-safe and cheap.
  Status Ready() const;
  static constexpr int kFailuresUnready = 3;
  // AsrEngine::PackedWindowSeconds of the pool's engines.
  double packed_window_s() const { return packed_window_s_; }

 private:
  struct Task {
    std::vector<float> samples;
    bool local_only = false;
    std::promise<Result<Recognition>> promise;
  };
  EnginePool() = default;
  void Run(AsrEngine* engine);

  std::vector<std::unique_ptr<AsrEngine>> engines_;
  std::vector<std::thread> threads_;
  std::string engine_name_;
  double packed_window_s_ = 0;
  mutable Mutex mutex_;
  std::condition_variable_any ready_;
  std::deque<Task> tasks_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  int consecutive_failures_ GUARDED_BY(mutex_) = 0;
  Status last_failure_ GUARDED_BY(mutex_);
};

}  // namespace reflexio
