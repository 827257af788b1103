// WhisperEngine: the AsrEngine over a published Whisper checkpoint (model.h), offline. Internal to
// asr/whisper/: the rest of Reflexio makes engines through whisper.h.
//
// Audio is cut into windows of up to 30 s; each is decoded with timestamps (window.h)
// in the allowed languages, and the next window starts where the last complete segment ended,
// so a sentence cut by the window edge is decoded whole in the next one; a silent window is
// skipped. Words take the times of their cross-attention alignment (alignment.h) and
// their tokens' mean probability as confidence. The model and tokenizer are loaded once (LoadWhisper) and
// shared by the engines made from them; each engine is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "asr/engine.h"
#include "asr/whisper/whisper.h"
#include "asr/whisper/alignment.h"
#include "asr/whisper/decoding.h"
#include "asr/whisper/model.h"
#include "asr/whisper/tokenizer.h"
#include "asr/whisper/window.h"

namespace reflexio {

// What LoadWhisper reads once and every engine shares, read-only.
struct WhisperCheckpoint {
  std::unique_ptr<WhisperModel> model;
  WhisperTokenizer tokenizer;
  WhisperSpecialTokens special;
  WhisperRules rules;
  AlignmentHeads alignment_heads;  // generation_config.json's, else the decoder's second half
  std::vector<std::string> languages;
};

// The words of a window's segments (in order, as decoded) with their aligned times and
// probabilities; `aligned` covers the segments' tokens in order. A word belongs to the segment
// its tokens came from; a first or last word reaching over half a second past its segment's
// timestamp into the pause is cut back to it; times stay inside the window.
std::vector<RecognizedWord> WordsOfSegments(const std::vector<WhisperSegment>& segments,
                                            const std::vector<AlignedWord>& aligned, double window_s);

class WhisperEngine : public AsrEngine {
 public:
  explicit WhisperEngine(std::shared_ptr<const WhisperCheckpoint> shared) : shared_(std::move(shared)) {}
  std::string Name() const override { return "whisper"; }
  double PackedWindowSeconds() const override { return 30.0; }
  bool UsesEveryCore() const override { return true; }
  Result<Recognition> Transcribe(std::span<const float> samples_16k) override;
  Status Ready() const override;

 private:
  std::shared_ptr<const WhisperCheckpoint> shared_;
};

}  // namespace reflexio
