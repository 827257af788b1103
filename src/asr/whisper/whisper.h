// Whisper: offline speech recognition over a published checkpoint (the Hugging Face layout:
// config.json, model.safetensors or its shards, vocab.json, …). The one header of asr/whisper/
// that the rest of Reflexio includes; everything else in this folder is its inside.
//
// LoadWhisper reads a checkpoint once (every tensor checked by name, shape and type; a problem
// named by file) into an immutable WhisperCheckpoint, shared freely between threads;
// MakeWhisperEngine makes AsrEngines over it, each used by one thread at a time (the engine's
// matrix products already use every core). InspectWhisperCheckpoint says what a directory holds
// without loading the weights. WhisperArithmetic runs the engine's steps on random weights of a
// published size, for `reflexio bench whisper` to time.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "asr/engine.h"
#include "core/status.h"

namespace reflexio {

struct WhisperOptions {
  std::string model_dir;
  std::vector<std::string> languages{"ru", "en"};  // the allow-list for language detection
};

// The model, tokenizer and decoding rules of one checkpoint (defined in engine.h).
struct WhisperCheckpoint;

// Refuses a checkpoint it cannot run, and languages the model does not know.
Result<std::shared_ptr<const WhisperCheckpoint>> LoadWhisper(const WhisperOptions& options);
std::unique_ptr<AsrEngine> MakeWhisperEngine(std::shared_ptr<const WhisperCheckpoint> checkpoint);

// What a checkpoint directory holds, read from its files without loading the weights.
struct WhisperCheckpointSummary {
  std::string size;  // tiny … large-v3, turbo (by dimensions), or "custom"
  int64_t parameters = 0;
  std::string dtype;  // F32, F16, BF16, or "mixed"
  uint64_t weight_bytes = 0;
  int n_mels = 0;
  int encoder_layers = 0, decoder_layers = 0, d_model = 0;
  int vocab_size = 0;
  size_t tokenizer_entries = 0;
  bool multilingual = false;
  std::set<std::string> languages;  // empty when English-only
};
Result<WhisperCheckpointSummary> InspectWhisperCheckpoint(const std::string& model_dir);

// One 30 s window of noise through the engine's arithmetic, step by step, on random weights of a
// published size (the cost of the arithmetic does not depend on the values). Not thread-safe,
// except Window, which several threads may run at once.
class WhisperArithmetic {
 public:
  // `size`: tiny, base, small, medium, large-v2, large-v3 or turbo; `float16`: the matrices held
  // as a float16 checkpoint holds them.
  static Result<std::unique_ptr<WhisperArithmetic>> WithRandomWeights(const std::string& size, bool float16);
  ~WhisperArithmetic();

  uint64_t weight_memory_bytes() const;
  void Features();               // the window's log-mel features
  void Encode();                 // the features through the encoder
  void StartDecoding();          // the window's cross-attention keys and values, once
  void DecodeTokens(int tokens);  // greedily, one token at a time, after StartDecoding
  void Align(int tokens);        // the prompt and `tokens` tokens in one teacher-forced pass
  void Window(int tokens) const;  // all of it for one window, as the engine does it

 private:
  struct State;
  explicit WhisperArithmetic(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace reflexio
