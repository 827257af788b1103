// Whisper's decoding rules, as the reference transcriber applies them to each step's logits,
// and the measures its temperature fallback is decided on.
//
// WhisperSpecialTokens finds the special ids of a vocabulary: by name in the tokenizer's added
// tokens when it has them ("<|transcribe|>", "<|nospeech|>" or "<|nocaptions|>", …), else from
// the published layout of its size (51865: 99 languages; 51866, v3: 100; 51864: the English-only
// ".en" models, whose prompt has no language or task token).
//
// ApplyWhisperRules masks (−inf) what may not come next, given the tokens sampled so far in the
// window: every special token but end-of-text and timestamps; the configured suppress_tokens;
// a blank or end-of-text as the first token; with timestamps, the reference's pairing rules
// (a timestamp after text closes a segment, two in a row open the next one, never going back in
// time, the first token a timestamp of at most max_initial_timestamp), and text masked whenever
// the timestamps together are likelier than any single text token. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "asr/whisper/tokenizer.h"
#include "core/status.h"

namespace reflexio {

struct WhisperSpecialTokens {
  bool multilingual = true;
  int end_of_text = 50257;
  int start_of_transcript = 50258;
  std::map<std::string, int> languages;  // "en" → 50259, …
  int translate = 50358;
  int transcribe = 50359;
  int start_of_lm = 50360;
  int start_of_prev = 50361;
  int no_speech = 50362;
  int no_timestamps = 50363;
  int timestamp_begin = 50364;  // <|0.00|>; each next id is 0.02 s later

  static WhisperSpecialTokens For(int vocab_size, const WhisperTokenizer* tokenizer);
  double TimestampSeconds(int id) const { return (id - timestamp_begin) * 0.02; }
};

struct WhisperRules {
  bool timestamps = true;
  std::vector<int> suppress_tokens;              // generation_config's suppress_tokens
  std::vector<int> begin_suppress_tokens{220};   // and end-of-text, at the first step
  double max_initial_timestamp_s = 1.0;
};

// `sampled`: the tokens generated in this window so far, after its prompt.
void ApplyWhisperRules(std::vector<float>& logits, const std::vector<int>& sampled, const WhisperSpecialTokens& special,
                       const WhisperRules& rules);

// log-softmax of `logits` (−inf stays −inf).
std::vector<float> LogSoftmax(const std::vector<float>& logits);

// The gzip-style compression ratio of the text (bytes / deflated bytes): repetition loops
// compress well, so above 2.4 the reference decodes again at a higher temperature.
double CompressionRatio(const std::string& text);

struct WindowQuality {
  double avg_logprob = 0;
  double compression_ratio = 0;
  double no_speech_prob = 0;
};

// The reference's thresholds: silence when no_speech_prob > 0.6 and avg_logprob < −1 (the
// window is dropped, not retried); otherwise retried hotter when compression_ratio > 2.4 or
// avg_logprob < −1.
bool IsSilence(const WindowQuality& q);
bool NeedsFallback(const WindowQuality& q);

}  // namespace reflexio
