// PocketSphinx 5prealpha with the packaged en-us model: the embedded, offline default engine.
//
// Loading the model takes about a second and ~100 MB; create one engine per worker thread and
// reuse it. Not thread-safe (the decoder holds utterance state).
#pragma once

#include <memory>
#include <string>

#include "asr/engine.h"

struct ps_decoder_s;
struct cmd_ln_s;

namespace reflexio {

// A decoder of the packaged model configured as the engine uses it (ps_free and cmd_ln_free_r
// release its parts), for the engine and the live transcriber alike.
struct PocketSphinxDecoder {
  ps_decoder_s* decoder = nullptr;
  cmd_ln_s* config = nullptr;
};
Result<PocketSphinxDecoder> LoadPocketSphinx(const std::string& model_dir);

class PocketSphinxEngine : public AsrEngine {
 public:
  // model_dir holds en-us/ (acoustic model), en-us.lm.bin and cmudict-en-us.dict.
  static Result<std::unique_ptr<AsrEngine>> Create(const std::string& model_dir);
  ~PocketSphinxEngine() override;

  std::string Name() const override { return "pocketsphinx"; }
  Result<Recognition> Transcribe(std::span<const float> samples_16k) override;
  Status Ready() const override;

 private:
  PocketSphinxEngine(ps_decoder_s* decoder, cmd_ln_s* config, int frame_rate)
      : decoder_(decoder), config_(config), frame_rate_(frame_rate) {}
  ps_decoder_s* decoder_;
  cmd_ln_s* config_;
  int frame_rate_;
};

}  // namespace reflexio
