#include "asr/whisper/model.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "asr/whisper/checkpoint_json.h"
#include "asr/whisper/half_kernels.h"
#include "asr/whisper/safetensors.h"
#include "asr/whisper/features.h"

namespace reflexio {

namespace {

using json = nlohmann::json;
using Matrix = std::vector<float>;

struct Linear {
  Matrix weight;                   // [out][in] float32, or empty when `half` holds it
  const uint16_t* half = nullptr;  // [out][in] float16, as stored (WhisperModel::Weights owns it)
  Matrix bias;                     // [out], empty when the layer has none
  int in = 0, out = 0;
};

struct Norm {
  Matrix weight, bias;
};

struct Attention {
  Linear q, k, v, out;
};

// y[n][out] = x[n][in] · Wᵀ + b
void Apply(const Linear& l, const float* x, int n, float* y) {
  if (n == 1 && l.half) {  // one decoder token over float16: reading half the bytes is what counts
    HalfMatrixVector(l.half, l.out, l.in, x, y);
  } else if (n == 1) {  // one decoder token: a matrix-vector product, without GEMM's set-up
    cblas_sgemv(CblasRowMajor, CblasNoTrans, l.out, l.in, 1.0f, l.weight.data(), l.in, x, 1, 0.0f, y, 1);
  } else if (l.half) {
    // Many rows (the encoder, a window's cross-attention keys and values, teacher-forced text):
    // widening a float16 matrix, a block of its rows at a time, costs little next to the product.
    thread_local Matrix widened;
    const int block = std::max(1, std::min(l.out, (1 << 22) / l.in));
    widened.resize(static_cast<size_t>(block) * l.in);
    for (int first = 0; first < l.out; first += block) {
      const int rows = std::min(block, l.out - first);
      WidenHalves(l.half + static_cast<size_t>(first) * l.in, static_cast<size_t>(rows) * l.in, widened.data());
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, l.in, 1.0f, x, l.in, widened.data(), l.in, 0.0f,
                  y + first, l.out);
    }
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, l.out, l.in, 1.0f, x, l.in, l.weight.data(), l.in, 0.0f, y,
                l.out);
  }
  if (!l.bias.empty()) {
    for (int i = 0; i < n; ++i) {
      float* row = y + static_cast<size_t>(i) * l.out;
      for (int j = 0; j < l.out; ++j) row[j] += l.bias[j];
    }
  }
}

Matrix Apply(const Linear& l, const Matrix& x, int n) {
  Matrix y(static_cast<size_t>(n) * l.out);
  Apply(l, x.data(), n, y.data());
  return y;
}

Matrix LayerNorm(const Norm& norm, const Matrix& x, int n, int d) {
  Matrix y(x.size());
  for (int i = 0; i < n; ++i) {
    const float* row = x.data() + static_cast<size_t>(i) * d;
    double mean = 0, var = 0;
    for (int j = 0; j < d; ++j) mean += row[j];
    mean /= d;
    for (int j = 0; j < d; ++j) var += (row[j] - mean) * (row[j] - mean);
    var /= d;
    float inv = static_cast<float>(1.0 / std::sqrt(var + 1e-5));
    float* out = y.data() + static_cast<size_t>(i) * d;
    for (int j = 0; j < d; ++j) out[j] = (row[j] - static_cast<float>(mean)) * inv * norm.weight[j] + norm.bias[j];
  }
  return y;
}

void Gelu(Matrix& x) {
  for (float& v : x) v = 0.5f * v * (1.0f + std::erf(v * static_cast<float>(M_SQRT1_2)));
}

// Scaled dot-product attention of q [nq][d] over k, v [nk][d], per head. `causal_from` ≥ 0:
// query i stands at that position + i and sees no later key (the decoder's self-attention over
// its cache); −1: every query sees every key. `scores_out`: each query's and head's scaled scores
// before the softmax, [nq][heads][nk].
Matrix Attend(const Matrix& q, const float* k, const float* v, int nq, int nk, int d, int heads, int causal_from = -1,
              float* scores_out = nullptr) {
  const int head_dim = d / heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  Matrix out(static_cast<size_t>(nq) * d, 0.0f);
  Matrix scores(static_cast<size_t>(nq) * nk);
  for (int h = 0; h < heads; ++h) {
    const float* qh = q.data() + h * head_dim;
    if (nq == 1) {
      cblas_sgemv(CblasRowMajor, CblasNoTrans, nk, head_dim, scale, k + h * head_dim, d, qh, 1, 0.0f, scores.data(), 1);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, nk, head_dim, scale, qh, d, k + h * head_dim, d, 0.0f,
                  scores.data(), nk);
    }
    for (int i = 0; i < nq; ++i) {
      float* row = scores.data() + static_cast<size_t>(i) * nk;
      if (scores_out) std::copy(row, row + nk, scores_out + (static_cast<size_t>(i) * heads + h) * nk);
      // Masked keys get weight 0 directly: −∞ has no place under -ffast-math.
      const int visible = causal_from < 0 ? nk : std::min(nk, causal_from + i + 1);
      float max = *std::max_element(row, row + visible);
      double sum = 0;
      for (int j = 0; j < visible; ++j) sum += (row[j] = std::exp(row[j] - max));
      for (int j = 0; j < visible; ++j) row[j] = static_cast<float>(row[j] / sum);
      std::fill(row + visible, row + nk, 0.0f);
    }
    if (nq == 1) {
      cblas_sgemv(CblasRowMajor, CblasTrans, nk, head_dim, 1.0f, v + h * head_dim, d, scores.data(), 1, 0.0f,
                  out.data() + h * head_dim, 1);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, head_dim, nk, 1.0f, scores.data(), nk,
                  v + h * head_dim, d, 0.0f, out.data() + h * head_dim, d);
    }
  }
  return out;
}

}  // namespace

struct WhisperModel::Weights {
  struct EncoderLayer {
    Norm attn_norm, ffn_norm;
    Attention attn;
    Linear fc1, fc2;
  };
  struct DecoderLayer {
    Norm self_norm, cross_norm, ffn_norm;
    Attention self_attn, cross_attn;
    Linear fc1, fc2;
  };
  Matrix conv1_w, conv1_b, conv2_w, conv2_b;  // [d][in][3], [d]
  Matrix encoder_positions;                   // [audio_positions][d]
  std::vector<EncoderLayer> encoder;
  Norm encoder_norm;
  Linear token_embedding;                     // [vocab][d], also the output projection
  Matrix decoder_positions;                   // [text_positions][d]
  std::vector<DecoderLayer> decoder;
  Norm decoder_norm;
  // What float16 weights point into: the memory-mapped file, or (random weights) owned copies.
  std::unique_ptr<CheckpointTensors> file;
  std::vector<std::vector<uint16_t>> owned_halves;
  uint64_t memory_bytes = 0;
};

Result<WhisperConfig> WhisperConfig::Read(const std::string& path) {
  ASSIGN_OR_RETURN(json j, ReadCheckpointJson(path));
  if (j.value("model_type", "") != "whisper") {
    return InvalidArgument(path + ": model_type is not \"whisper\"", "invalid_model");
  }
  WhisperConfig c;
  try {
    c.n_mels = j.value("num_mel_bins", 80);
    c.d_model = j.at("d_model").get<int>();
    c.encoder_layers = j.at("encoder_layers").get<int>();
    c.decoder_layers = j.at("decoder_layers").get<int>();
    c.encoder_heads = j.at("encoder_attention_heads").get<int>();
    c.decoder_heads = j.at("decoder_attention_heads").get<int>();
    c.encoder_ffn = j.at("encoder_ffn_dim").get<int>();
    c.decoder_ffn = j.at("decoder_ffn_dim").get<int>();
    c.audio_positions = j.value("max_source_positions", 1500);
    c.text_positions = j.value("max_target_positions", 448);
    c.vocab_size = j.at("vocab_size").get<int>();
    c.end_of_text = j.value("eos_token_id", 50257);
    c.start_of_transcript = j.value("decoder_start_token_id", 50258);
  } catch (const json::exception& e) {
    return InvalidArgument(path + ": " + e.what(), "invalid_model");
  }
  if (c.d_model <= 0 || c.encoder_heads <= 0 || c.decoder_heads <= 0 || c.d_model % c.encoder_heads != 0 ||
      c.d_model % c.decoder_heads != 0 || c.audio_positions * 2 != kWhisperFrames || c.vocab_size <= c.end_of_text) {
    return InvalidArgument(path + " does not describe a Whisper model this engine runs (d_model, heads, "
                                  "max_source_positions 1500, vocab_size)",
                           "invalid_model");
  }
  return c;
}

WhisperModel::~WhisperModel() = default;

uint64_t WhisperModel::weight_memory_bytes() const { return weights_->memory_bytes; }

Result<WhisperConfig> WhisperConfig::ForSize(const std::string& size) {
  struct Published {
    const char* name;
    int d_model, encoder_layers, decoder_layers, heads, n_mels, vocab;
  };
  static const Published kSizes[] = {{"tiny", 384, 4, 4, 6, 80, 51865},      {"base", 512, 6, 6, 8, 80, 51865},
                                     {"small", 768, 12, 12, 12, 80, 51865},  {"medium", 1024, 24, 24, 16, 80, 51865},
                                     {"large-v2", 1280, 32, 32, 20, 80, 51865},
                                     {"large-v3", 1280, 32, 32, 20, 128, 51866}, {"turbo", 1280, 32, 4, 20, 128, 51866}};
  for (const Published& p : kSizes) {
    if (size != p.name) continue;
    WhisperConfig c;
    c.n_mels = p.n_mels;
    c.d_model = p.d_model;
    c.encoder_layers = p.encoder_layers;
    c.decoder_layers = p.decoder_layers;
    c.encoder_heads = c.decoder_heads = p.heads;
    c.encoder_ffn = c.decoder_ffn = 4 * p.d_model;
    c.vocab_size = p.vocab;
    return c;
  }
  return InvalidArgument("unknown Whisper size '" + size + "' (tiny, base, small, medium, large-v2, large-v3, turbo)",
                         "invalid_flag");
}

Result<std::unique_ptr<WhisperModel::Weights>> WhisperModel::Assemble(const WhisperConfig& c,
                                                                        const TensorSource& source) {
  const int64_t d = c.d_model;
  auto w = std::make_unique<Weights>();
  Status status = Status::Ok();
  auto tensor = [&](const std::string& name, std::vector<int64_t> shape, bool may_stay_half) -> Tensor {
    if (!status.ok()) return {};
    int64_t elements = 1;
    for (int64_t s : shape) elements *= s;
    auto loaded = source(name, std::move(shape), may_stay_half);
    if (!loaded.ok()) {
      status = loaded.status();
      return {};
    }
    w->memory_bytes += static_cast<uint64_t>(elements) * (loaded->half ? 2 : 4);
    return std::move(*loaded);
  };
  auto load = [&](const std::string& name, std::vector<int64_t> shape) {
    return tensor(name, std::move(shape), false).values;
  };
  auto linear = [&](const std::string& prefix, int64_t out, int64_t in, bool bias) {
    Linear l;
    l.in = static_cast<int>(in);
    l.out = static_cast<int>(out);
    Tensor weight = tensor(prefix + ".weight", {out, in}, true);
    l.weight = std::move(weight.values);
    l.half = weight.half;
    if (bias) l.bias = load(prefix + ".bias", {out});
    return l;
  };
  auto norm = [&](const std::string& prefix) { return Norm{load(prefix + ".weight", {d}), load(prefix + ".bias", {d})}; };
  auto attention = [&](const std::string& prefix) {
    return Attention{linear(prefix + ".q_proj", d, d, true), linear(prefix + ".k_proj", d, d, false),
                     linear(prefix + ".v_proj", d, d, true), linear(prefix + ".out_proj", d, d, true)};
  };
  w->conv1_w = load("model.encoder.conv1.weight", {d, c.n_mels, 3});
  w->conv1_b = load("model.encoder.conv1.bias", {d});
  w->conv2_w = load("model.encoder.conv2.weight", {d, d, 3});
  w->conv2_b = load("model.encoder.conv2.bias", {d});
  w->encoder_positions = load("model.encoder.embed_positions.weight", {c.audio_positions, d});
  for (int i = 0; i < c.encoder_layers; ++i) {
    std::string p = "model.encoder.layers." + std::to_string(i);
    w->encoder.push_back({norm(p + ".self_attn_layer_norm"), norm(p + ".final_layer_norm"), attention(p + ".self_attn"),
                          linear(p + ".fc1", c.encoder_ffn, d, true), linear(p + ".fc2", d, c.encoder_ffn, true)});
  }
  w->encoder_norm = norm("model.encoder.layer_norm");
  w->token_embedding = linear("model.decoder.embed_tokens", c.vocab_size, d, false);
  w->decoder_positions = load("model.decoder.embed_positions.weight", {c.text_positions, d});
  for (int i = 0; i < c.decoder_layers; ++i) {
    std::string p = "model.decoder.layers." + std::to_string(i);
    w->decoder.push_back({norm(p + ".self_attn_layer_norm"), norm(p + ".encoder_attn_layer_norm"),
                          norm(p + ".final_layer_norm"), attention(p + ".self_attn"), attention(p + ".encoder_attn"),
                          linear(p + ".fc1", c.decoder_ffn, d, true), linear(p + ".fc2", d, c.decoder_ffn, true)});
  }
  w->decoder_norm = norm("model.decoder.layer_norm");
  RETURN_IF_ERROR(status);
  return w;
}

Result<std::unique_ptr<WhisperModel>> WhisperModel::Load(const std::string& model_dir, const std::string& weights_file) {
  std::unique_ptr<WhisperModel> model(new WhisperModel());
  ASSIGN_OR_RETURN(model->config_, WhisperConfig::Read(model_dir + "/config.json"));
  ASSIGN_OR_RETURN(auto file, CheckpointTensors::Open(model_dir, weights_file));
  ASSIGN_OR_RETURN(model->weights_,
                   Assemble(model->config_,
                            [&](const std::string& name, std::vector<int64_t> shape, bool may_stay_half) -> Result<Tensor> {
                              ASSIGN_OR_RETURN(TensorView view, file->GetFloat(name, shape));
                              if (may_stay_half && view.type == TensorType::kF16 &&
                                  reinterpret_cast<uintptr_t>(view.data) % alignof(uint16_t) == 0) {
                                return Tensor{{}, reinterpret_cast<const uint16_t*>(view.data)};
                              }
                              ASSIGN_OR_RETURN(Matrix values, file->ToFloat(name, shape));
                              return Tensor{std::move(values), nullptr};
                            }));
  model->weights_->file = std::move(file);
  return model;
}

Result<WhisperModelInfo> WhisperModel::Inspect(const std::string& model_dir, const std::string& weights_file) {
  WhisperModelInfo info;
  ASSIGN_OR_RETURN(info.config, WhisperConfig::Read(model_dir + "/config.json"));
  ASSIGN_OR_RETURN(auto file, CheckpointTensors::Open(model_dir, weights_file));
  std::set<TensorType> types;
  auto checked = Assemble(info.config, [&](const std::string& name, std::vector<int64_t> shape, bool) -> Result<Tensor> {
    ASSIGN_OR_RETURN(TensorView view, file->GetFloat(name, shape));
    types.insert(view.type);
    info.parameters += view.elements();
    info.weight_bytes += view.bytes;
    return Tensor();
  });
  RETURN_IF_ERROR(checked.status());
  info.dtype = types.size() != 1 ? "mixed" : *types.begin() == TensorType::kF32 ? "F32"
                                           : *types.begin() == TensorType::kF16 ? "F16" : "BF16";
  info.size = "custom";
  for (const char* name : {"tiny", "base", "small", "medium", "large-v2", "large-v3", "turbo"}) {
    WhisperConfig published = WhisperConfig::ForSize(name).value();
    if (published.d_model == info.config.d_model && published.encoder_layers == info.config.encoder_layers &&
        published.decoder_layers == info.config.decoder_layers && published.n_mels == info.config.n_mels) {
      info.size = name;
    }
  }
  return info;
}

std::unique_ptr<WhisperModel> WhisperModel::WithRandomWeights(const WhisperConfig& config, uint32_t seed,
                                                             bool float16) {
  std::unique_ptr<WhisperModel> model(new WhisperModel());
  model->config_ = config;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<std::vector<uint16_t>> halves;
  model->weights_ = std::move(Assemble(config, [&](const std::string&, std::vector<int64_t> shape, bool may_stay_half) {
                                int64_t n = 1;
                                for (int64_t s : shape) n *= s;
                                std::vector<float> values(static_cast<size_t>(n));
                                for (float& v : values) v = normal(rng);
                                if (!float16 || !may_stay_half) return Result<Tensor>(Tensor{std::move(values), nullptr});
                                std::vector<uint16_t> half(values.size());
                                for (size_t i = 0; i < half.size(); ++i) half[i] = FloatToHalf(values[i]);
                                halves.push_back(std::move(half));  // the buffer moves with it
                                return Result<Tensor>(Tensor{{}, halves.back().data()});
                              }).value());
  model->weights_->owned_halves = std::move(halves);
  return model;
}

namespace {

// A convolution of kernel 3 and padding 1 as one matrix product: [out][in·3] · columns [in·3][t_out].
Matrix Convolve(const Matrix& weight, const Matrix& bias, const float* x, int in, int t_in, int out, int stride) {
  const int t_out = (t_in + 2 - 3) / stride + 1;
  Matrix columns(static_cast<size_t>(in) * 3 * t_out, 0.0f);
  for (int c = 0; c < in; ++c) {
    for (int k = 0; k < 3; ++k) {
      float* row = columns.data() + (static_cast<size_t>(c) * 3 + k) * t_out;
      for (int t = 0; t < t_out; ++t) {
        int source = t * stride + k - 1;
        row[t] = source >= 0 && source < t_in ? x[static_cast<size_t>(c) * t_in + source] : 0.0f;
      }
    }
  }
  Matrix y(static_cast<size_t>(out) * t_out);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, t_out, in * 3, 1.0f, weight.data(), in * 3,
              columns.data(), t_out, 0.0f, y.data(), t_out);
  for (int o = 0; o < out; ++o) {
    for (int t = 0; t < t_out; ++t) y[static_cast<size_t>(o) * t_out + t] += bias[o];
  }
  return y;
}

void AddInPlace(Matrix& x, const Matrix& y) {
  for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
}

}  // namespace

std::vector<float> WhisperModel::Encode(const std::vector<float>& mel) const {
  const WhisperConfig& c = config_;
  const Weights& w = *weights_;
  const int d = c.d_model, n = c.audio_positions;
  Matrix h1 = Convolve(w.conv1_w, w.conv1_b, mel.data(), c.n_mels, kWhisperFrames, d, 1);
  Gelu(h1);
  Matrix h2 = Convolve(w.conv2_w, w.conv2_b, h1.data(), d, kWhisperFrames, d, 2);
  Gelu(h2);
  Matrix x(static_cast<size_t>(n) * d);  // [positions][d]
  for (int t = 0; t < n; ++t) {
    for (int j = 0; j < d; ++j) {
      x[static_cast<size_t>(t) * d + j] = h2[static_cast<size_t>(j) * n + t] + w.encoder_positions[static_cast<size_t>(t) * d + j];
    }
  }
  for (const auto& layer : w.encoder) {
    Matrix y = LayerNorm(layer.attn_norm, x, n, d);
    Matrix q = Apply(layer.attn.q, y, n), k = Apply(layer.attn.k, y, n), v = Apply(layer.attn.v, y, n);
    Matrix attended = Attend(q, k.data(), v.data(), n, n, d, c.encoder_heads);
    AddInPlace(x, Apply(layer.attn.out, attended, n));
    y = LayerNorm(layer.ffn_norm, x, n, d);
    Matrix hidden = Apply(layer.fc1, y, n);
    Gelu(hidden);
    AddInPlace(x, Apply(layer.fc2, hidden, n));
  }
  return LayerNorm(w.encoder_norm, x, n, d);
}

WhisperModel::Decoder::Decoder(const WhisperModel& model, const std::vector<float>& encoder_out) : model_(model) {
  const WhisperConfig& c = model.config_;
  auto cross = std::make_shared<CrossAttention>();
  for (const auto& layer : model.weights_->decoder) {
    cross->keys.push_back(Apply(layer.cross_attn.k, encoder_out, c.audio_positions));
    cross->values.push_back(Apply(layer.cross_attn.v, encoder_out, c.audio_positions));
    self_keys_.emplace_back();
    self_values_.emplace_back();
  }
  cross_ = std::move(cross);
}

void WhisperModel::Decoder::RecordCrossAttention(std::vector<std::pair<int, int>> heads) {
  const WhisperConfig& c = model_.config_;
  std::erase_if(heads, [&](const std::pair<int, int>& h) {
    return h.first < 0 || h.first >= c.decoder_layers || h.second < 0 || h.second >= c.decoder_heads;
  });
  recorded_heads_ = std::move(heads);
  cross_scores_.clear();
}

std::vector<float> WhisperModel::Decoder::Next(int token) { return Feed({token}); }

std::vector<float> WhisperModel::Decoder::Feed(const std::vector<int>& tokens) {
  const WhisperConfig& c = model_.config_;
  const Weights& w = *model_.weights_;
  const int d = c.d_model, n = static_cast<int>(tokens.size());
  if (n == 0) return {};
  Matrix x(static_cast<size_t>(n) * d);
  const Linear& embedding = w.token_embedding;
  for (int i = 0; i < n; ++i) {
    int id = std::clamp(tokens[i], 0, c.vocab_size - 1);
    int pos = std::min(position_ + i, c.text_positions - 1);
    float* row = x.data() + static_cast<size_t>(i) * d;
    if (embedding.half) {
      WidenHalves(embedding.half + static_cast<size_t>(id) * d, d, row);
    } else {
      std::copy_n(embedding.weight.data() + static_cast<size_t>(id) * d, d, row);
    }
    for (int j = 0; j < d; ++j) row[j] += w.decoder_positions[static_cast<size_t>(pos) * d + j];
  }
  const size_t per_query = static_cast<size_t>(c.decoder_heads) * c.audio_positions;
  cross_scores_.assign(static_cast<size_t>(n) * recorded_heads_.size() * c.audio_positions, 0.0f);
  Matrix layer_scores;
  for (size_t l = 0; l < w.decoder.size(); ++l) {
    const auto& layer = w.decoder[l];
    Matrix y = LayerNorm(layer.self_norm, x, n, d);
    Matrix q = Apply(layer.self_attn.q, y, n);
    Matrix k = Apply(layer.self_attn.k, y, n), v = Apply(layer.self_attn.v, y, n);
    self_keys_[l].insert(self_keys_[l].end(), k.begin(), k.end());
    self_values_[l].insert(self_values_[l].end(), v.begin(), v.end());
    Matrix attended = Attend(q, self_keys_[l].data(), self_values_[l].data(), n, position_ + n, d, c.decoder_heads,
                             position_);
    AddInPlace(x, Apply(layer.self_attn.out, attended, n));
    y = LayerNorm(layer.cross_norm, x, n, d);
    q = Apply(layer.cross_attn.q, y, n);
    bool recorded = std::any_of(recorded_heads_.begin(), recorded_heads_.end(),
                                [&](const std::pair<int, int>& head) { return head.first == static_cast<int>(l); });
    if (recorded) layer_scores.resize(n * per_query);
    attended = Attend(q, cross_->keys[l].data(), cross_->values[l].data(), n, c.audio_positions, d, c.decoder_heads,
                      -1, recorded ? layer_scores.data() : nullptr);
    for (size_t r = 0; r < recorded_heads_.size() && recorded; ++r) {
      if (recorded_heads_[r].first != static_cast<int>(l)) continue;
      for (int i = 0; i < n; ++i) {
        const float* head = layer_scores.data() + i * per_query +
                            static_cast<size_t>(recorded_heads_[r].second) * c.audio_positions;
        std::copy_n(head, c.audio_positions,
                    cross_scores_.begin() + (static_cast<size_t>(i) * recorded_heads_.size() + r) * c.audio_positions);
      }
    }
    AddInPlace(x, Apply(layer.cross_attn.out, attended, n));
    y = LayerNorm(layer.ffn_norm, x, n, d);
    Matrix hidden = Apply(layer.fc1, y, n);
    Gelu(hidden);
    AddInPlace(x, Apply(layer.fc2, hidden, n));
  }
  x = LayerNorm(w.decoder_norm, x, n, d);
  std::vector<float> logits(static_cast<size_t>(n) * c.vocab_size);
  Apply(w.token_embedding, x.data(), n, logits.data());
  position_ += n;
  return logits;
}

}  // namespace reflexio
