#include "asr/whisper/decoding.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace reflexio {

namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();

// The language codes in the order of their tokens (OpenAI's tokenizer.LANGUAGES); v3 adds "yue".
constexpr const char* kLanguages[] = {
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi", "fi",
    "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la", "mi", "ml",
    "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs",
    "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu", "am",
    "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln",
    "ha", "ba", "jw", "su", "yue"};

}  // namespace

WhisperSpecialTokens WhisperSpecialTokens::For(int vocab_size, const WhisperTokenizer* tokenizer) {
  WhisperSpecialTokens s;
  s.multilingual = vocab_size >= 51865;
  if (!s.multilingual) {  // GPT-2's vocabulary: one id fewer before the specials, and no languages
    s.end_of_text = 50256;
    s.start_of_transcript = 50257;
  }
  // English-only vocabularies keep the 99 language ids too, but their prompts never use them.
  int language_count = vocab_size >= 51866 ? 100 : 99;
  if (s.multilingual) {
    for (int i = 0; i < language_count; ++i) s.languages[kLanguages[i]] = s.start_of_transcript + 1 + i;
  }
  int after = s.start_of_transcript + 1 + language_count;  // 50358, 50359 in v3, 50357 English-only
  s.translate = after;
  s.transcribe = after + 1;
  s.start_of_lm = after + 2;
  s.start_of_prev = after + 3;
  s.no_speech = after + 4;
  s.no_timestamps = after + 5;
  s.timestamp_begin = after + 6;
  if (tokenizer != nullptr) {
    auto by_name = [&](std::initializer_list<const char*> names, int& id) {
      for (const char* name : names) {
        if (auto found = tokenizer->Find(name)) {
          id = *found;
          return;
        }
      }
    };
    by_name({"<|endoftext|>"}, s.end_of_text);
    by_name({"<|startoftranscript|>"}, s.start_of_transcript);
    by_name({"<|translate|>"}, s.translate);
    by_name({"<|transcribe|>"}, s.transcribe);
    by_name({"<|startoflm|>"}, s.start_of_lm);
    by_name({"<|startofprev|>"}, s.start_of_prev);
    by_name({"<|nospeech|>", "<|nocaptions|>"}, s.no_speech);
    by_name({"<|notimestamps|>"}, s.no_timestamps);
    s.timestamp_begin = s.no_timestamps + 1;
    by_name({"<|0.00|>"}, s.timestamp_begin);
    for (auto& [code, id] : s.languages) {
      std::string name = "<|" + code + "|>";
      by_name({name.c_str()}, id);
    }
  }
  return s;
}

std::vector<float> LogSoftmax(const std::vector<float>& logits) {
  float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<double>(v - max));
  float log_sum = static_cast<float>(std::log(sum)) + max;
  std::vector<float> out(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) out[i] = logits[i] - log_sum;
  return out;
}

void ApplyWhisperRules(std::vector<float>& logits, const std::vector<int>& sampled, const WhisperSpecialTokens& special,
                       const WhisperRules& rules) {
  const int vocab = static_cast<int>(logits.size());
  auto mask_range = [&](int from, int to) {
    for (int i = std::max(0, from); i < std::min(vocab, to); ++i) logits[i] = kMasked;
  };
  // Special tokens never belong in the text: everything from start-of-transcript up to the
  // timestamps (languages, tasks, no-speech, no-timestamps).
  mask_range(special.start_of_transcript, special.timestamp_begin);
  for (int id : rules.suppress_tokens) mask_range(id, id + 1);
  if (sampled.empty()) {
    for (int id : rules.begin_suppress_tokens) mask_range(id, id + 1);
    mask_range(special.end_of_text, special.end_of_text + 1);
  }
  if (!rules.timestamps) {
    mask_range(special.timestamp_begin, vocab);
    return;
  }
  const int ts = special.timestamp_begin;
  bool last_was_timestamp = !sampled.empty() && sampled.back() >= ts;
  bool penultimate_was_timestamp = sampled.size() < 2 || sampled[sampled.size() - 2] >= ts;
  if (last_was_timestamp) {
    if (penultimate_was_timestamp) {
      mask_range(ts, vocab);  // a segment was just opened: text must follow
    } else {
      mask_range(0, special.end_of_text);  // a segment was just closed: a timestamp or the end
    }
  }
  int last_timestamp = -1;
  for (int id : sampled) {
    if (id >= ts) last_timestamp = id;
  }
  if (last_timestamp >= 0) {
    // Time never goes back; a closing timestamp may repeat the opening one only right after it.
    int lowest = last_was_timestamp && !penultimate_was_timestamp ? last_timestamp : last_timestamp + 1;
    mask_range(ts, lowest);
  }
  if (sampled.empty()) {
    mask_range(0, ts);  // the window starts with a timestamp
    int latest_initial = ts + static_cast<int>(std::lround(rules.max_initial_timestamp_s / 0.02));
    mask_range(latest_initial + 1, vocab);
  }
  // When the timestamps together are likelier than any single text token, take a timestamp.
  std::vector<float> logprobs = LogSoftmax(logits);
  double max_ts = -std::numeric_limits<double>::infinity();
  for (int i = ts; i < vocab; ++i) max_ts = std::max(max_ts, static_cast<double>(logprobs[i]));
  if (std::isfinite(max_ts)) {
    double sum = 0;
    for (int i = ts; i < vocab; ++i) sum += std::exp(logprobs[i] - max_ts);
    double timestamp_logprob = max_ts + std::log(sum);
    float max_text = *std::max_element(logprobs.begin(), logprobs.begin() + std::min(ts, vocab));
    if (timestamp_logprob > max_text) mask_range(0, ts);
  }
}

double CompressionRatio(const std::string& text) {
  if (text.empty()) return 0;
  uLongf size = compressBound(static_cast<uLong>(text.size()));
  std::vector<Bytef> out(size);
  if (compress2(out.data(), &size, reinterpret_cast<const Bytef*>(text.data()), static_cast<uLong>(text.size()),
                Z_DEFAULT_COMPRESSION) != Z_OK) {
    return 0;
  }
  return static_cast<double>(text.size()) / static_cast<double>(size);
}

bool IsSilence(const WindowQuality& q) { return q.no_speech_prob > 0.6 && q.avg_logprob < -1.0; }

bool NeedsFallback(const WindowQuality& q) {
  return !IsSilence(q) && (q.compression_ratio > 2.4 || q.avg_logprob < -1.0);
}

}  // namespace reflexio
