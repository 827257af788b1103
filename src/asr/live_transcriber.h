// LiveTranscriber: PocketSphinx hearing speech while it is said, for the partial transcripts of a
// stream. What is kept is not this: the stored transcript comes from the worker's engine once a
// piece is stored. Between Begin and End, Feed audio as it arrives and read the best guess so
// far from Hypothesis. Not thread-safe: one stream uses it at a time.
//
// LiveTranscriberPool lends a fixed number of them (each holds the model, ~100 MB), so partials
// are offered to as many streams at once as the pool has transcribers; a stream that finds
// none free simply gets no partials. The pool is thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "asr/pocketsphinx_engine.h"
#include "core/mutex.h"
#include "core/status.h"

namespace reflexio {

class LiveTranscriber {
 public:
  static Result<std::unique_ptr<LiveTranscriber>> Create(const std::string& model_dir);
  ~LiveTranscriber();
  LiveTranscriber(const LiveTranscriber&) = delete;
  LiveTranscriber& operator=(const LiveTranscriber&) = delete;

  Status Begin();
  Status Feed(std::span<const float> samples_16k);
  // The words heard since Begin, as the recogniser now thinks they go.
  std::string Hypothesis();
  void End();

 private:
  explicit LiveTranscriber(PocketSphinxDecoder decoder) : decoder_(decoder) {}
  PocketSphinxDecoder decoder_;
  bool in_utterance_ = false;
};

class LiveTranscriberPool {
 public:
  // Loads every transcriber up front, so a missing model fails at start-up.
  static Result<std::unique_ptr<LiveTranscriberPool>> Create(int size, const std::string& model_dir);
  // A free transcriber, or null when all are lent; hand it back with Return.
  std::unique_ptr<LiveTranscriber> TryTake();
  void Return(std::unique_ptr<LiveTranscriber> transcriber);
  int size() const { return size_; }

 private:
  LiveTranscriberPool() = default;
  int size_ = 0;
  Mutex mutex_;
  std::vector<std::unique_ptr<LiveTranscriber>> free_ GUARDED_BY(mutex_);
};

}  // namespace reflexio
