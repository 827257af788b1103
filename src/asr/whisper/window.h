// Decoding one 30 s window as the reference transcriber does: detect the language among those
// allowed (from the logits after start-of-transcript), read the no-speech probability at the
// same step, then decode greedily under the rules of decoding.h and, when the result
// looks like a loop or is unlikely, again at each higher temperature (sampling, seeded) until
// one passes; a window judged silent is dropped instead. Timestamp tokens become segment times.
// Thread-compatible: one window at a time per call; the model is shared read-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "asr/whisper/decoding.h"
#include "asr/whisper/model.h"
#include "asr/whisper/tokenizer.h"

namespace reflexio {

struct WhisperWindowOptions {
  std::vector<std::string> languages;  // allowed language codes; empty: any
  std::string task = "transcribe";     // or "translate"
  WhisperRules rules;
  int max_tokens = 224;
  std::vector<double> temperatures{0.0, 0.2, 0.4, 0.6, 0.8, 1.0};
  uint32_t seed = 0;
};

struct WhisperSegment {
  double start_s = 0, end_s = 0;  // within the window
  std::vector<int> tokens;        // text tokens only
};

struct WhisperWindow {
  std::string language;
  std::vector<int> prompt;  // start-of-transcript and, multilingual, the language and task
  std::vector<int> tokens;  // what was sampled, timestamps included, without end-of-text
  std::vector<WhisperSegment> segments;
  WindowQuality quality;
  double temperature = 0;  // the one whose result was kept
  bool silence = false;    // dropped: nothing was said
};

// Segments from sampled tokens: text between a timestamp and the next one; text with no closing
// timestamp ends at `window_s`.
std::vector<WhisperSegment> SplitSegments(const std::vector<int>& tokens, const WhisperSpecialTokens& special,
                                          double window_s);

Result<WhisperWindow> DecodeWindow(const WhisperModel& model, const std::vector<float>& encoded,
                                   const WhisperTokenizer& tokenizer, const WhisperSpecialTokens& special,
                                   const WhisperWindowOptions& options, double window_s = 30.0);

}  // namespace reflexio
