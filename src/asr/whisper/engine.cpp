#include "asr/whisper/engine.h"

#include <algorithm>
#include <cmath>

#include "asr/whisper/checkpoint_json.h"
#include "asr/whisper/features.h"
#include "asr/whisper/window.h"
#include "core/strings.h"

namespace reflexio {

std::vector<RecognizedWord> WordsOfSegments(const std::vector<WhisperSegment>& segments,
                                            const std::vector<AlignedWord>& aligned, double window_s) {
  std::vector<RecognizedWord> words;
  size_t next = 0;
  for (const WhisperSegment& segment : segments) {
    std::vector<RecognizedWord> own;
    size_t tokens = 0;
    while (next < aligned.size() && tokens < segment.tokens.size()) {
      const AlignedWord& a = aligned[next++];
      tokens += a.tokens.size();
      std::string text = TrimWhitespace(a.word);
      if (!text.empty()) own.push_back({text, a.start_s, a.end_s, a.probability});
    }
    if (own.empty()) continue;
    // A first or last word stretched half a second into the pause beyond its segment's
    // timestamp is cut back to it: the timestamp tokens see the pause better than attention.
    if (segment.start_s < own.front().end_s && segment.start_s - 0.5 > own.front().start_s) {
      own.front().start_s = segment.start_s;
    }
    if (segment.end_s > own.back().start_s && segment.end_s + 0.5 < own.back().end_s) own.back().end_s = segment.end_s;
    for (RecognizedWord& w : own) {
      w.start_s = std::clamp(w.start_s, 0.0, window_s);
      w.end_s = std::clamp(w.end_s, w.start_s, window_s);
      words.push_back(std::move(w));
    }
  }
  return words;
}

Result<std::shared_ptr<const WhisperCheckpoint>> LoadWhisper(const WhisperOptions& options) {
  auto shared = std::make_shared<WhisperCheckpoint>();
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
  shared->alignment_heads = DefaultAlignmentHeads(config);
  if (generation.ok() && generation->contains("alignment_heads") && (*generation)["alignment_heads"].is_array()) {
    AlignmentHeads heads;
    for (const auto& pair : (*generation)["alignment_heads"]) {
      if (pair.is_array() && pair.size() == 2 && pair[0].is_number_integer() && pair[1].is_number_integer()) {
        heads.emplace_back(pair[0].get<int>(), pair[1].get<int>());
      }
    }
    if (!heads.empty()) shared->alignment_heads = std::move(heads);
  }
  shared->languages = options.languages;
  return std::shared_ptr<const WhisperCheckpoint>(std::move(shared));
}

std::unique_ptr<AsrEngine> MakeWhisperEngine(std::shared_ptr<const WhisperCheckpoint> checkpoint) {
  return std::make_unique<WhisperEngine>(std::move(checkpoint));
}

Status WhisperEngine::Ready() const {
  if (!shared_ || !shared_->model) return Unavailable("the Whisper model is not loaded", "asr_not_loaded");
  return Status::Ok();
}

Result<Recognition> WhisperEngine::Transcribe(std::span<const float> samples_16k) {
  const WhisperCheckpoint& s = *shared_;
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
    double resume_s = window_s;
    bool last_window = start + length >= samples_16k.size();
    std::vector<WhisperSegment> kept;
    for (size_t i = 0; i < window.segments.size(); ++i) {
      const WhisperSegment& segment = window.segments[i];
      bool cut_by_edge = !last_window && i + 1 == window.segments.size() && segment.end_s >= window_s - 0.01 &&
                         segment.start_s > 1.0;
      if (cut_by_edge) {  // decoded again, whole, at the start of the next window
        resume_s = segment.start_s;
        break;
      }
      kept.push_back(segment);
    }
    std::vector<int> text_tokens;
    for (const WhisperSegment& segment : kept) text_tokens.insert(text_tokens.end(), segment.tokens.begin(), segment.tokens.end());
    std::vector<AlignedWord> aligned = AlignWords(*s.model, encoded, window.prompt, text_tokens, s.alignment_heads,
                                                  s.tokenizer, s.special, static_cast<int>(length / kWhisperHop));
    for (RecognizedWord& word : WordsOfSegments(kept, aligned, window_s)) {
      word.start_s += offset_s;
      word.end_s += offset_s;
      recognition.words.push_back(std::move(word));
    }
    start += std::max<size_t>(static_cast<size_t>(resume_s * kWhisperSampleRate), kWhisperSampleRate);
  }
  recognition.text = JoinWords(recognition.words);
  return recognition;
}

}  // namespace reflexio
