// WhisperEngine: the AsrEngine over a published Whisper checkpoint (whisper_model.h), offline.
//
// Audio is cut into windows of up to 30 s; each is decoded with timestamps (whisper_window.h)
// in the allowed languages, and the next window starts where the last complete segment ended,
// so a sentence cut by the window edge is decoded whole in the next one; a silent window is
// skipped. Words take their segment's times, spread by length, and the window's mean token
// probability as confidence. The model and tokenizer are loaded once (WhisperEngine::Load) and
// shared by the engines made from them; each engine is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "asr/engine.h"
#include "asr/whisper_decoding.h"
#include "asr/whisper_model.h"
#include "asr/whisper_tokenizer.h"

namespace reflexio {

struct WhisperEngineOptions {
  std::string model_dir;
  std::vector<std::string> languages{"ru", "en"};  // the allow-list for language detection
};

class WhisperEngine : public AsrEngine {
 public:
  struct Shared {
    std::unique_ptr<WhisperModel> model;
    WhisperTokenizer tokenizer;
    WhisperSpecialTokens special;
    WhisperRules rules;
    std::vector<std::string> languages;
  };
  // Loads config.json, model.safetensors, the tokenizer and generation_config.json's
  // suppress_tokens; refuses languages the model does not know.
  static Result<std::shared_ptr<const Shared>> Load(const WhisperEngineOptions& options);

  explicit WhisperEngine(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
  std::string Name() const override { return "whisper"; }
  Result<Recognition> Transcribe(std::span<const float> samples_16k) override;

 private:
  std::shared_ptr<const Shared> shared_;
};

}  // namespace reflexio
