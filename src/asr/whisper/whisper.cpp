#include "asr/whisper/whisper.h"

#include <algorithm>
#include <random>

#include "asr/whisper/decoding.h"
#include "asr/whisper/features.h"
#include "asr/whisper/model.h"
#include "asr/whisper/tokenizer.h"

namespace reflexio {

Result<WhisperCheckpointSummary> InspectWhisperCheckpoint(const std::string& model_dir) {
  ASSIGN_OR_RETURN(WhisperModelInfo info, WhisperModel::Inspect(model_dir));
  ASSIGN_OR_RETURN(WhisperTokenizer tokenizer, WhisperTokenizer::Load(model_dir, info.config.end_of_text));
  WhisperSpecialTokens special = WhisperSpecialTokens::For(info.config.vocab_size, &tokenizer);
  WhisperCheckpointSummary summary;
  summary.size = info.size;
  summary.parameters = info.parameters;
  summary.dtype = info.dtype;
  summary.weight_bytes = info.weight_bytes;
  summary.n_mels = info.config.n_mels;
  summary.encoder_layers = info.config.encoder_layers;
  summary.decoder_layers = info.config.decoder_layers;
  summary.d_model = info.config.d_model;
  summary.vocab_size = info.config.vocab_size;
  summary.tokenizer_entries = tokenizer.size();
  summary.multilingual = special.multilingual;
  if (special.multilingual) {
    for (const auto& [language, token] : special.languages) summary.languages.insert(language);
  }
  return summary;
}

struct WhisperArithmetic::State {
  std::unique_ptr<WhisperModel> model;
  std::vector<float> audio;  // 30 s of noise
  std::vector<float> mel, encoded;
  std::unique_ptr<WhisperModel::Decoder> decoder;

  void Greedily(WhisperModel::Decoder& on, int tokens) const {
    int token = model->config().start_of_transcript;
    for (int t = 0; t < tokens; ++t) {
      std::vector<float> logits = on.Next(token);
      token = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    }
  }
  // Word alignment feeds the prompt (4 tokens) and the decoded text again, in one pass.
  void Aligned(const std::vector<float>& window_encoded, int tokens) const {
    WhisperModel::Decoder aligner(*model, window_encoded);
    aligner.Feed(std::vector<int>(static_cast<size_t>(tokens) + 4, 1000));
  }
};

Result<std::unique_ptr<WhisperArithmetic>> WhisperArithmetic::WithRandomWeights(const std::string& size,
                                                                                 bool float16) {
  ASSIGN_OR_RETURN(WhisperConfig config, WhisperConfig::ForSize(size));
  auto state = std::make_unique<State>();
  state->model = WhisperModel::WithRandomWeights(config, 77, float16);
  state->audio.resize(kWhisperWindowSamples);
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  for (float& s : state->audio) s = noise(rng);
  return std::unique_ptr<WhisperArithmetic>(new WhisperArithmetic(std::move(state)));
}

WhisperArithmetic::WhisperArithmetic(std::unique_ptr<State> state) : state_(std::move(state)) {}
WhisperArithmetic::~WhisperArithmetic() = default;

uint64_t WhisperArithmetic::weight_memory_bytes() const { return state_->model->weight_memory_bytes(); }

void WhisperArithmetic::Features() { state_->mel = WhisperLogMel(state_->audio, state_->model->config().n_mels); }

void WhisperArithmetic::Encode() {
  if (state_->mel.empty()) Features();
  state_->encoded = state_->model->Encode(state_->mel);
}

void WhisperArithmetic::StartDecoding() {
  if (state_->encoded.empty()) Encode();
  state_->decoder = std::make_unique<WhisperModel::Decoder>(*state_->model, state_->encoded);
}

void WhisperArithmetic::DecodeTokens(int tokens) {
  if (!state_->decoder) StartDecoding();
  state_->Greedily(*state_->decoder, tokens);
}

void WhisperArithmetic::Align(int tokens) {
  if (state_->encoded.empty()) Encode();
  state_->Aligned(state_->encoded, tokens);
}

void WhisperArithmetic::Window(int tokens) const {
  std::vector<float> encoded = state_->model->Encode(WhisperLogMel(state_->audio, state_->model->config().n_mels));
  WhisperModel::Decoder decoder(*state_->model, encoded);
  state_->Greedily(decoder, tokens);
  state_->Aligned(encoded, tokens);
}

}  // namespace reflexio
