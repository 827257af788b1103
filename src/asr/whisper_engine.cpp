#include "asr/whisper_engine.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "asr/checkpoint_json.h"
#include "asr/whisper_features.h"
#include "asr/whisper_window.h"

namespace reflexio {

namespace {

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

}  // namespace

Result<std::shared_ptr<const WhisperEngine::Shared>> WhisperEngine::Load(const WhisperEngineOptions& options) {
  auto shared = std::make_shared<Shared>();
  ASSIGN_OR_RETURN(shared->model, WhisperModel::Load(options.model_dir));
  const WhisperConfig& config = shared->model->config();
  ASSIGN_OR_RETURN(shared->tokenizer, WhisperTokenizer::Load(options.model_dir, config.end_of_text));
  shared->special = WhisperSpecialTokens::For(config.vocab_size, &shared->tokenizer);
  // Optional: without it (or unreadable) only the rules' own suppression applies.
  auto generation = ReadCheckpointJson(options.model_dir + "/generation_config.json");
  if (generation.ok() && generation->contains("suppress_tokens") && (*generation)["suppress_tokens"].is_array()) {
    for (const auto& id : (*generation)["suppress_tokens"]) {
      if (id.is_number_integer()) shared->rules.suppress_tokens.push_back(id.get<int>());
    }
  }
  if (!shared->special.multilingual) {
    if (std::find(options.languages.begin(), options.languages.end(), "en") == options.languages.end()) {
      return InvalidArgument("this Whisper model is English-only: allow en in REFLEXIO_WHISPER_LANGUAGES", "invalid_config");
    }
  } else {
    for (const std::string& language : options.languages) {
      if (!shared->special.languages.count(language)) {
        return InvalidArgument("the Whisper model knows no language '" + language + "'", "invalid_config");
      }
    }
  }
  shared->languages = options.languages;
  return std::shared_ptr<const Shared>(std::move(shared));
}

Result<Recognition> WhisperEngine::Transcribe(std::span<const float> samples_16k) {
  const Shared& s = *shared_;
  Recognition recognition;
  recognition.engine = Name();
  WhisperWindowOptions options;
  options.languages = s.languages;
  options.rules = s.rules;
  size_t start = 0;
  while (start < samples_16k.size()) {
    size_t length = std::min(samples_16k.size() - start, static_cast<size_t>(kWhisperWindowSamples));
    double window_s = static_cast<double>(length) / kWhisperSampleRate;
    double offset_s = static_cast<double>(start) / kWhisperSampleRate;
    std::vector<float> encoded = s.model->Encode(WhisperLogMel(samples_16k.subspan(start, length), s.model->config().n_mels));
    ASSIGN_OR_RETURN(WhisperWindow window, DecodeWindow(*s.model, encoded, s.tokenizer, s.special, options, window_s));
    if (recognition.language.empty() && !window.silence) recognition.language = window.language;
    double confidence = std::exp(std::min(0.0, window.quality.avg_logprob));
    double resume_s = window_s;
    bool last_window = start + length >= samples_16k.size();
    for (size_t i = 0; i < window.segments.size(); ++i) {
      const WhisperSegment& segment = window.segments[i];
      bool cut_by_edge = !last_window && i + 1 == window.segments.size() && segment.end_s >= window_s - 0.01 &&
                         segment.start_s > 1.0;
      if (cut_by_edge) {  // decoded again, whole, at the start of the next window
        resume_s = segment.start_s;
        break;
      }
      std::vector<std::string> words = SplitWords(s.tokenizer.Decode(segment.tokens));
      size_t letters = 0;
      for (const auto& w : words) letters += w.size();
      // Timestamps may point past the audio of a short last window: times stay inside it.
      double at = std::min(segment.start_s, window_s);
      double span = std::max(0.0, std::min(segment.end_s, window_s) - at);
      for (const auto& w : words) {
        double share = letters ? span * static_cast<double>(w.size()) / static_cast<double>(letters) : 0;
        recognition.words.push_back({w, offset_s + at, offset_s + at + share, confidence});
        at += share;
      }
    }
    start += std::max<size_t>(static_cast<size_t>(resume_s * kWhisperSampleRate), kWhisperSampleRate);
  }
  recognition.text = JoinWords(recognition.words);
  return recognition;
}

}  // namespace reflexio
