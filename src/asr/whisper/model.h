// WhisperModel: a published Whisper checkpoint in the Hugging Face layout (`config.json`,
// `model.safetensors` in float32, float16 or bfloat16, or its shards and
// `model.safetensors.index.json`), and its forward pass on the CPU.
//
// Load() reads the configuration (any size: tiny to large-v3 and turbo, 80 or 128 mel bins),
// checks every tensor the configuration implies against the file — names as published
// (`model.encoder.conv1.weight`, …), shapes, the output projection tied to the token embedding
// — and refuses a missing or mismatched file with a message naming it. The matrices of a
// float16 checkpoint stay float16 in the memory-mapped file (half_kernels.h); everything else is
// held as float32. Encode() runs the encoder on one 30 s window of log-mel features
// (features.h); a Decoder runs the decoder a token at a time (or several known tokens in
// one pass) with self-attention key/value caches, the cross-attention keys/values computed once
// per window. Matrix products go through BLAS, which uses every core; a float16 matrix times one
// token's vector runs on the calling thread (half_kernels.h says why). A WhisperModel is immutable after Load and thread-safe; a Decoder is used by
// one thread. Copying a Decoder forks its state (the cross-attention keys/values are shared, not
// recomputed), so several decodings of one window can start from a common prefix.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace reflexio {

struct WhisperConfig {
  int n_mels = 80;
  int d_model = 0;
  int encoder_layers = 0, decoder_layers = 0;
  int encoder_heads = 0, decoder_heads = 0;
  int encoder_ffn = 0, decoder_ffn = 0;
  int audio_positions = 1500;  // max_source_positions
  int text_positions = 448;    // max_target_positions
  int vocab_size = 0;
  int end_of_text = 50257;      // eos_token_id
  int start_of_transcript = 50258;  // decoder_start_token_id
  static Result<WhisperConfig> Read(const std::string& config_json_path);
  // The published dimensions of tiny, base, small, medium, large-v2, large-v3 and turbo.
  static Result<WhisperConfig> ForSize(const std::string& size);
};

// What a model directory holds, found without loading its weights.
struct WhisperModelInfo {
  WhisperConfig config;
  std::string size;       // tiny … large-v3, turbo (by dimensions), or "custom"
  int64_t parameters = 0;
  std::string dtype;      // F32, F16, BF16, or "mixed"
  uint64_t weight_bytes = 0;
};

class WhisperModel {
 public:
  // Reads config.json and checks every tensor of model.safetensors by name, shape and type.
  static Result<WhisperModelInfo> Inspect(const std::string& model_dir,
                                          const std::string& weights_file = "model.safetensors");
  // `weights_file` inside `model_dir`; model.safetensors by default.
  static Result<std::unique_ptr<WhisperModel>> Load(const std::string& model_dir,
                                                    const std::string& weights_file = "model.safetensors");
  // Normal(0, 0.02) weights of `config`'s shapes: for benchmarks of the arithmetic at real sizes;
  // `float16`: the matrices held as float16, as a float16 checkpoint's are.
  static std::unique_ptr<WhisperModel> WithRandomWeights(const WhisperConfig& config, uint32_t seed,
                                                         bool float16 = false);
  ~WhisperModel();

  const WhisperConfig& config() const { return config_; }
  // Bytes of weights the model holds (float16 matrices at 2 bytes each, the rest at 4).
  uint64_t weight_memory_bytes() const;
  // mel: [n_mels][3000]; returns [audio_positions][d_model].
  std::vector<float> Encode(const std::vector<float>& mel) const;

  class Decoder {
   public:
    Decoder(const WhisperModel& model, const std::vector<float>& encoder_out);
    // Feeds the next token; returns the logits [vocab_size] for the position after it.
    std::vector<float> Next(int token);
    // Feeds several tokens at once (text known in advance: a prompt, or teacher-forced text to
    // align), with matrix products instead of one matrix-vector product per token; returns the
    // logits after each, [tokens][vocab_size]. Same results as Next on each in turn.
    std::vector<float> Feed(const std::vector<int>& tokens);
    int position() const { return position_; }
    // From the next call of Next or Feed on, keeps the cross-attention scores (scaled, before
    // the softmax) of these (layer, head) pairs for the tokens fed; pairs outside the model are
    // dropped. Word alignment reads them (alignment.h).
    void RecordCrossAttention(std::vector<std::pair<int, int>> heads);
    const std::vector<std::pair<int, int>>& recorded_heads() const { return recorded_heads_; }
    // [token][recorded head][audio_positions], of the tokens of the last Next or Feed.
    const std::vector<float>& cross_attention_scores() const { return cross_scores_; }

   private:
    struct CrossAttention {
      std::vector<std::vector<float>> keys, values;  // per layer: [audio_positions][d_model]
    };
    const WhisperModel& model_;
    int position_ = 0;
    std::vector<std::vector<float>> self_keys_, self_values_;  // per layer: [position][d_model]
    std::shared_ptr<const CrossAttention> cross_;              // of the window, computed once
    std::vector<std::pair<int, int>> recorded_heads_;
    std::vector<float> cross_scores_;
  };

 private:
  struct Weights;
  struct Tensor {
    std::vector<float> values;       // float32, or empty when `half` holds the tensor
    const uint16_t* half = nullptr;  // float16, as stored
  };
  // may_stay_half: a matrix product's weight, which may be kept in float16.
  using TensorSource =
      std::function<Result<Tensor>(const std::string& name, std::vector<int64_t> shape, bool may_stay_half)>;
  // Every tensor the configuration implies, by its published name, from `source`.
  static Result<std::unique_ptr<Weights>> Assemble(const WhisperConfig& config, const TensorSource& source);
  WhisperModel() = default;
  WhisperConfig config_;
  std::unique_ptr<Weights> weights_;
};

}  // namespace reflexio
