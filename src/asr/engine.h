// The speech recogniser seam. An AsrEngine turns 16 kHz mono PCM into words with times.
//
// Word times are seconds from the first sample passed in; the caller shifts them to the
// recording. Engines never return recogniser filler tokens (<sil>, [NOISE], word(2) variants).
// An engine instance is used by one thread at a time; EnginePool gives each worker thread its
// own instance, so decoders with internal state (PocketSphinx) need no locking.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace reflexio {

struct RecognizedWord {
  std::string word;
  double start_s = 0;
  double end_s = 0;
  double confidence = 0;  // 0..1
};

struct Recognition {
  std::string text;
  std::string language;  // ISO 639-1, e.g. "en"
  std::string engine;    // which engine actually produced it (after any fallback)
  std::vector<RecognizedWord> words;
  double compute_s = 0;  // wall time the engine spent (set by EnginePool)
};

class AsrEngine {
 public:
  virtual ~AsrEngine() = default;
  virtual std::string Name() const = 0;
  virtual Result<Recognition> Transcribe(std::span<const float> samples_16k) = 0;
  // Whether the engine can take work now: its model is loaded, or (remote) some endpoint's
  // circuit is closed. Cheap, and safe to call from any thread while Transcribe runs on another.
  virtual Status Ready() const = 0;
  // The window an engine pays for whatever it holds (Whisper: 30 s), or 0. The pipeline packs
  // several speech spans into one such window (pipeline/window_packing.h).
  virtual double PackedWindowSeconds() const { return 0; }
  // Whether the engine's own arithmetic already spreads over every core (Whisper, through BLAS):
  // the pool then runs one such engine, not one per thread — two Whisper windows at once were
  // measured 30–70 % slower than one after the other (`reflexio bench whisper --concurrent`).
  virtual bool UsesEveryCore() const { return false; }
  // Whether audio given to Transcribe stays on this machine.
  virtual bool IsLocal() const { return true; }
  // For a tenant that opted out of sending its data away: transcribes with a local engine only,
  // or fails (kPermissionDenied, "remote_refused") without anything leaving the machine.
  virtual Result<Recognition> TranscribeLocally(std::span<const float> samples_16k);
};

using AsrEngineFactory = std::function<Result<std::unique_ptr<AsrEngine>>()>;

// Recogniser output words that are not speech, or the bare word of a pronunciation variant.
// Returns an empty string for tokens that must be dropped.
std::string CleanRecognizerToken(const std::string& token);

// Joins words with single spaces.
std::string JoinWords(const std::vector<RecognizedWord>& words);

}  // namespace reflexio
