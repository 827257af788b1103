#include "asr/pocketsphinx_engine.h"

#include <pocketsphinx.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "audio/pcm16.h"

namespace reflexio {

Result<PocketSphinxDecoder> LoadPocketSphinx(const std::string& model_dir) {
  namespace fs = std::filesystem;
  fs::path dir(model_dir);
  for (const char* part : {"en-us", "en-us.lm.bin", "cmudict-en-us.dict"}) {
    if (!fs::exists(dir / part)) {
      return Unavailable("PocketSphinx model file " + (dir / part).string() +
                             " is missing; install the pocketsphinx-en-us package or set "
                             "REFLEXIO_POCKETSPHINX_MODEL_DIR",
                         "asr_model_missing");
    }
  }
  cmd_ln_t* config = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", (dir / "en-us").c_str(), "-lm",
                                 (dir / "en-us.lm.bin").c_str(), "-dict",
                                 (dir / "cmudict-en-us.dict").c_str(), "-logfn", "/dev/null",
                                 "-bestpath", "yes", nullptr);
  if (config == nullptr) return Internal("PocketSphinx rejected its configuration");
  ps_decoder_t* decoder = ps_init(config);
  if (decoder == nullptr) {
    cmd_ln_free_r(config);
    return Unavailable("PocketSphinx could not load the model in " + model_dir, "asr_model_missing");
  }
  return PocketSphinxDecoder{decoder, config};
}

Result<std::unique_ptr<AsrEngine>> PocketSphinxEngine::Create(const std::string& model_dir) {
  ASSIGN_OR_RETURN(PocketSphinxDecoder loaded, LoadPocketSphinx(model_dir));
  int frame_rate = cmd_ln_int32_r(loaded.config, "-frate");
  return std::unique_ptr<AsrEngine>(new PocketSphinxEngine(loaded.decoder, loaded.config, frame_rate));
}

PocketSphinxEngine::~PocketSphinxEngine() {
  ps_free(decoder_);
  cmd_ln_free_r(config_);
}

Status PocketSphinxEngine::Ready() const {
  if (decoder_ == nullptr) return Unavailable("the PocketSphinx decoder is not loaded", "asr_not_loaded");
  return Status::Ok();
}

Result<Recognition> PocketSphinxEngine::Transcribe(std::span<const float> samples) {
  std::vector<int16_t> pcm = ToPcm16(samples);
  if (ps_start_utt(decoder_) < 0) return Internal("PocketSphinx could not start an utterance");
  if (ps_process_raw(decoder_, pcm.data(), pcm.size(), FALSE, TRUE) < 0) {
    ps_end_utt(decoder_);
    return Internal("PocketSphinx failed to process audio");
  }
  if (ps_end_utt(decoder_) < 0) return Internal("PocketSphinx could not finish the utterance");

  Recognition result;
  result.engine = Name();
  result.language = "en";
  int32 score = 0;
  if (ps_get_hyp(decoder_, &score) == nullptr) return result;  // silence: no words
  ps_get_prob(decoder_);  // computes word posteriors on the lattice for ps_seg_prob
  logmath_t* lmath = ps_get_logmath(decoder_);
  for (ps_seg_t* seg = ps_seg_iter(decoder_); seg != nullptr; seg = ps_seg_next(seg)) {
    std::string word = CleanRecognizerToken(ps_seg_word(seg));
    if (word.empty()) continue;
    int start_frame = 0, end_frame = 0;
    ps_seg_frames(seg, &start_frame, &end_frame);
    int32 ascr, lscr, lback;
    double posterior = logmath_exp(lmath, ps_seg_prob(seg, &ascr, &lscr, &lback));
    result.words.push_back({word, start_frame / double(frame_rate_), (end_frame + 1) / double(frame_rate_),
                            std::clamp(posterior, 0.0, 1.0)});
  }
  result.text = JoinWords(result.words);
  return result;
}

}  // namespace reflexio
