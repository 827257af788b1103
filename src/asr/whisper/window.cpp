#include "asr/whisper/window.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace reflexio {

std::vector<WhisperSegment> SplitSegments(const std::vector<int>& tokens, const WhisperSpecialTokens& special,
                                          double window_s) {
  std::vector<WhisperSegment> segments;
  WhisperSegment current;
  bool open = false;
  for (int id : tokens) {
    if (id >= special.timestamp_begin) {
      double t = special.TimestampSeconds(id);
      if (open && !current.tokens.empty()) {
        current.end_s = t;
        segments.push_back(current);
        current = {};
        open = false;
      } else {
        current = {};
        current.start_s = t;
        open = true;
      }
    } else if (id < special.end_of_text) {
      if (!open) {  // text without timestamps: one segment from the last time seen
        current.start_s = segments.empty() ? 0.0 : segments.back().end_s;
        open = true;
      }
      current.tokens.push_back(id);
    }
  }
  if (open && !current.tokens.empty()) {
    current.end_s = window_s;
    segments.push_back(current);
  }
  return segments;
}

namespace {

struct Attempt {
  std::vector<int> tokens;
  double sum_logprob = 0;
};

// `decoder` has been fed start-of-transcript and answered `logits`; `prompt` is the rest of the
// prompt (empty for an English-only model decoding with timestamps).
Attempt Sample(WhisperModel::Decoder decoder, std::vector<float> logits, const std::vector<int>& prompt,
               const WhisperSpecialTokens& special, const WhisperWindowOptions& options, double temperature,
               std::mt19937& rng) {
  if (!prompt.empty()) {
    std::vector<float> after_prompt = decoder.Feed(prompt);
    logits.assign(after_prompt.end() - static_cast<std::ptrdiff_t>(logits.size()), after_prompt.end());
  }
  Attempt attempt;
  for (int step = 0; step < options.max_tokens; ++step) {
    ApplyWhisperRules(logits, attempt.tokens, special, options.rules);
    std::vector<float> logprobs = LogSoftmax(logits);
    int next;
    if (temperature <= 0) {
      next = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    } else {
      std::vector<double> weights(logits.size());
      float max = *std::max_element(logits.begin(), logits.end());
      for (size_t i = 0; i < logits.size(); ++i) weights[i] = std::exp((logits[i] - max) / temperature);
      std::discrete_distribution<int> pick(weights.begin(), weights.end());
      next = pick(rng);
    }
    if (next == special.end_of_text) break;
    attempt.sum_logprob += logprobs[next];
    attempt.tokens.push_back(next);
    logits = decoder.Next(next);
  }
  return attempt;
}

}  // namespace

Result<WhisperWindow> DecodeWindow(const WhisperModel& model, const std::vector<float>& encoded,
                                   const WhisperTokenizer& tokenizer, const WhisperSpecialTokens& special,
                                   const WhisperWindowOptions& options, double window_s) {
  WhisperWindow window;
  // The step after start-of-transcript: the language, and how likely it is that nothing is said.
  WhisperModel::Decoder probe(model, encoded);
  std::vector<float> first = probe.Next(special.start_of_transcript);
  std::vector<float> first_logprobs = LogSoftmax(first);
  window.quality.no_speech_prob = special.no_speech < static_cast<int>(first.size())
                                      ? std::exp(static_cast<double>(first_logprobs[special.no_speech]))
                                      : 0.0;
  float best = -INFINITY;
  if (!special.multilingual) window.language = "en";
  for (const auto& [code, id] : special.languages) {
    bool allowed = options.languages.empty() ||
                   std::find(options.languages.begin(), options.languages.end(), code) != options.languages.end();
    if (allowed && id < static_cast<int>(first.size()) && first[id] > best) {
      best = first[id];
      window.language = code;
    }
  }
  if (window.language.empty()) return InvalidArgument("none of the allowed languages is known to this model", "invalid_config");
  std::vector<int> prompt;  // after start-of-transcript, which the probe has been fed
  if (special.multilingual) {
    prompt.push_back(special.languages.at(window.language));
    prompt.push_back(options.task == "translate" ? special.translate : special.transcribe);
  }
  window.prompt.push_back(special.start_of_transcript);
  window.prompt.insert(window.prompt.end(), prompt.begin(), prompt.end());
  if (!options.rules.timestamps) prompt.push_back(special.no_timestamps);

  std::mt19937 rng(options.seed);
  for (size_t i = 0; i < options.temperatures.size(); ++i) {
    double temperature = options.temperatures[i];
    Attempt attempt = Sample(probe, first, prompt, special, options, temperature, rng);
    window.tokens = attempt.tokens;
    window.temperature = temperature;
    window.quality.avg_logprob = attempt.sum_logprob / (static_cast<double>(attempt.tokens.size()) + 1);
    window.quality.compression_ratio = CompressionRatio(tokenizer.Decode(attempt.tokens));
    if (IsSilence(window.quality)) {
      window.silence = true;
      window.tokens.clear();
      return window;
    }
    if (!NeedsFallback(window.quality)) break;
  }
  window.segments = SplitSegments(window.tokens, special, window_s);
  return window;
}

}  // namespace reflexio
