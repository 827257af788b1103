#include "asr/whisper/alignment.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/strings.h"

namespace reflexio {

namespace {

constexpr double kFramesPerSecond = 50;  // encoder positions: one per 20 ms
constexpr int kMedianWidth = 7;
constexpr char kPunctuation[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
constexpr char kPrepended[] = "\"'“¿([{-";
constexpr char kAppended[] = "\"'.。,，!！?？:：”)]}、";
constexpr char kSentenceEnds[] = ".。!！?？";

// The reference asks `x in string`, a substring test, so "" and "()" count as punctuation too.
bool IsPartOf(const std::string& x, const char* set) { return std::string(set).find(x) != std::string::npos; }

// Whether the bytes end with a whole UTF-8 character (a token may carry half of one).
bool EndsWithWholeCharacter(const std::string& bytes) {
  size_t i = bytes.size();
  size_t continuation = 0;
  while (i > 0 && (static_cast<unsigned char>(bytes[i - 1]) & 0xC0) == 0x80 && continuation < 3) {
    --i;
    ++continuation;
  }
  if (i == 0) return continuation == 0;
  unsigned char lead = static_cast<unsigned char>(bytes[i - 1]);
  size_t expected = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  return continuation == expected;
}

void Softmax(float* row, int n) {
  float max = *std::max_element(row, row + n);
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += (row[i] = std::exp(row[i] - max));
  for (int i = 0; i < n; ++i) row[i] = static_cast<float>(row[i] / sum);
}

}  // namespace

AlignmentHeads DefaultAlignmentHeads(const WhisperConfig& config) {
  AlignmentHeads heads;
  for (int layer = config.decoder_layers / 2; layer < config.decoder_layers; ++layer) {
    for (int head = 0; head < config.decoder_heads; ++head) heads.emplace_back(layer, head);
  }
  return heads;
}

std::vector<float> MedianFilter(const std::vector<float>& x, int rows, int cols, int width) {
  const int pad = width / 2;
  if (cols <= pad) return x;
  std::vector<float> out(x.size());
  std::vector<float> window(width);
  for (int r = 0; r < rows; ++r) {
    const float* row = x.data() + static_cast<size_t>(r) * cols;
    auto at = [&](int c) {  // mirrored at the edges, the edge itself not repeated
      if (c < 0) c = -c;
      if (c >= cols) c = 2 * (cols - 1) - c;
      return row[std::clamp(c, 0, cols - 1)];
    };
    for (int c = 0; c < cols; ++c) {
      for (int k = 0; k < width; ++k) window[k] = at(c - pad + k);
      std::nth_element(window.begin(), window.begin() + pad, window.end());
      out[static_cast<size_t>(r) * cols + c] = window[pad];
    }
  }
  return out;
}

WarpPath DynamicTimeWarp(const std::vector<float>& x, int rows, int cols) {
  const double inf = std::numeric_limits<double>::infinity();
  const size_t stride = static_cast<size_t>(cols) + 1;
  std::vector<double> cost((static_cast<size_t>(rows) + 1) * stride, inf);
  std::vector<signed char> trace(cost.size(), -1);
  cost[0] = 0;
  for (int j = 1; j <= cols; ++j) {
    for (int i = 1; i <= rows; ++i) {
      double diagonal = cost[(i - 1) * stride + j - 1], up = cost[(i - 1) * stride + j], left = cost[i * stride + j - 1];
      double c;
      signed char t;
      if (diagonal < up && diagonal < left) {
        c = diagonal, t = 0;
      } else if (up < diagonal && up < left) {
        c = up, t = 1;
      } else {
        c = left, t = 2;
      }
      cost[i * stride + j] = x[static_cast<size_t>(i - 1) * cols + j - 1] + c;
      trace[i * stride + j] = t;
    }
  }
  for (int j = 0; j <= cols; ++j) trace[j] = 2;
  for (int i = 0; i <= rows; ++i) trace[i * stride] = 1;
  WarpPath path;
  int i = rows, j = cols;
  while (i > 0 || j > 0) {
    path.rows.push_back(i - 1);
    path.cols.push_back(j - 1);
    signed char t = trace[i * stride + j];
    if (t == 0) {
      --i, --j;
    } else if (t == 1) {
      --i;
    } else {
      --j;
    }
  }
  std::reverse(path.rows.begin(), path.rows.end());
  std::reverse(path.cols.begin(), path.cols.end());
  return path;
}

std::vector<WordTokens> SplitWordTokens(const std::vector<int>& tokens, const WhisperTokenizer& tokenizer) {
  std::vector<WordTokens> words;
  WordTokens piece;
  for (int token : tokens) {
    piece.tokens.push_back(token);
    piece.word = tokenizer.Decode(piece.tokens);
    if (!EndsWithWholeCharacter(piece.word)) continue;
    bool starts_word = words.empty() || piece.word.starts_with(" ") || IsPartOf(TrimWhitespace(piece.word), kPunctuation);
    if (starts_word) {
      words.push_back(std::move(piece));
    } else {
      words.back().word += piece.word;
      words.back().tokens.insert(words.back().tokens.end(), piece.tokens.begin(), piece.tokens.end());
    }
    piece = {};
  }
  if (!piece.tokens.empty()) words.push_back(std::move(piece));  // a character the text never finished
  return words;
}

void MergePunctuation(std::vector<AlignedWord>& words) {
  if (words.size() < 2) return;
  for (int i = static_cast<int>(words.size()) - 2, j = i + 1; i >= 0; --i) {
    AlignedWord& previous = words[i];
    AlignedWord& following = words[j];
    if (previous.word.starts_with(" ") && IsPartOf(TrimWhitespace(previous.word), kPrepended)) {
      following.word = previous.word + following.word;
      following.tokens.insert(following.tokens.begin(), previous.tokens.begin(), previous.tokens.end());
      previous.word.clear();
      previous.tokens.clear();
    } else {
      j = i;
    }
  }
  for (size_t i = 0, j = 1; j < words.size(); ++j) {
    AlignedWord& previous = words[i];
    AlignedWord& following = words[j];
    if (!previous.word.ends_with(" ") && IsPartOf(following.word, kAppended)) {
      previous.word += following.word;
      previous.tokens.insert(previous.tokens.end(), following.tokens.begin(), following.tokens.end());
      following.word.clear();
      following.tokens.clear();
    } else {
      i = j;
    }
  }
}

std::vector<AlignedWord> AlignWords(const WhisperModel& model, const std::vector<float>& encoded,
                                    const std::vector<int>& prompt, const std::vector<int>& text_tokens,
                                    const AlignmentHeads& heads, const WhisperTokenizer& tokenizer,
                                    const WhisperSpecialTokens& special, int audio_frames) {
  const WhisperConfig& config = model.config();
  std::vector<WordTokens> word_tokens = SplitWordTokens(text_tokens, tokenizer);
  if (word_tokens.empty()) return {};

  std::vector<int> sequence = prompt;
  sequence.push_back(special.no_timestamps);
  const int text_begin = static_cast<int>(sequence.size());  // the row that predicts the first text token
  sequence.insert(sequence.end(), text_tokens.begin(), text_tokens.end());
  sequence.push_back(special.end_of_text);
  const int rows = static_cast<int>(sequence.size());
  const int frames = std::clamp(audio_frames / 2, 1, config.audio_positions);

  WhisperModel::Decoder decoder(model, encoded);
  decoder.RecordCrossAttention(heads);
  if (decoder.recorded_heads().empty()) decoder.RecordCrossAttention(DefaultAlignmentHeads(config));
  const int n_heads = static_cast<int>(decoder.recorded_heads().size());
  std::vector<float> logits = decoder.Feed(sequence);  // the whole sequence in one pass
  std::vector<double> token_probability(text_tokens.size());
  for (int row = 0; row < rows; ++row) {
    int predicted = row - text_begin + 1;  // the text token this row's logits predict
    if (predicted >= 0 && predicted < static_cast<int>(text_tokens.size())) {
      float* row_logits = logits.data() + static_cast<size_t>(row) * config.vocab_size;
      Softmax(row_logits, special.end_of_text);  // over text tokens only
      token_probability[predicted] = row_logits[text_tokens[predicted]];
    }
  }
  // Per head, one at a time (a model without alignment_heads has many): softmax over the audio
  // frames, standardise each frame over the tokens, filter along time; then average the heads.
  const std::vector<float>& scores = decoder.cross_attention_scores();  // [row][head][position]
  std::vector<float> matrix(static_cast<size_t>(rows) * frames, 0.0f);
  std::vector<float> w(static_cast<size_t>(rows) * frames);
  for (int h = 0; h < n_heads; ++h) {
    for (int row = 0; row < rows; ++row) {
      float* out = w.data() + static_cast<size_t>(row) * frames;
      std::copy_n(scores.data() + (static_cast<size_t>(row) * n_heads + h) * config.audio_positions, frames, out);
      Softmax(out, frames);
    }
    for (int f = 0; f < frames; ++f) {
      double mean = 0, var = 0;
      for (int r = 0; r < rows; ++r) mean += w[static_cast<size_t>(r) * frames + f];
      mean /= rows;
      for (int r = 0; r < rows; ++r) var += std::pow(w[static_cast<size_t>(r) * frames + f] - mean, 2);
      double sd = std::sqrt(var / rows);
      for (int r = 0; r < rows; ++r) {
        float& v = w[static_cast<size_t>(r) * frames + f];
        v = sd > 0 ? static_cast<float>((v - mean) / sd) : 0.0f;
      }
    }
    std::vector<float> filtered = MedianFilter(w, rows, frames, kMedianWidth);
    for (size_t i = 0; i < matrix.size(); ++i) matrix[i] += filtered[i] / n_heads;
  }
  // Rows from <|notimestamps|> to the last text token: one per text token, plus end-of-text.
  const int text_rows = static_cast<int>(text_tokens.size()) + 1;
  std::vector<float> cost(static_cast<size_t>(text_rows) * frames);
  for (size_t i = 0; i < cost.size(); ++i) cost[i] = -matrix[static_cast<size_t>(text_begin - 1) * frames + i];
  WarpPath path = DynamicTimeWarp(cost, text_rows, frames);
  std::vector<double> jump_times;  // when the path reaches each row
  for (size_t k = 0; k < path.rows.size(); ++k) {
    if (k == 0 || path.rows[k] != path.rows[k - 1]) jump_times.push_back(path.cols[k] / kFramesPerSecond);
  }

  std::vector<AlignedWord> words;
  size_t boundary = 0;
  for (const WordTokens& w : word_tokens) {
    size_t end = boundary + w.tokens.size();
    AlignedWord aligned{w.word, w.tokens, jump_times[std::min(boundary, jump_times.size() - 1)],
                        jump_times[std::min(end, jump_times.size() - 1)], 0};
    for (size_t t = boundary; t < end; ++t) aligned.probability += token_probability[t];
    aligned.probability /= static_cast<double>(w.tokens.size());
    words.push_back(std::move(aligned));
    boundary = end;
  }
  // A word after or before a sentence end that lasts too long is the pause, not the word.
  std::vector<double> durations;
  for (const AlignedWord& w : words) {
    if (w.end_s > w.start_s) durations.push_back(w.end_s - w.start_s);
  }
  if (!durations.empty()) {
    std::nth_element(durations.begin(), durations.begin() + durations.size() / 2, durations.end());
    double median = durations[durations.size() / 2];
    if (durations.size() % 2 == 0) {
      median = (median + *std::max_element(durations.begin(), durations.begin() + durations.size() / 2)) / 2;
    }
    double max_duration = std::min(0.7, median) * 2;
    for (size_t i = 1; i < words.size(); ++i) {
      if (words[i].end_s - words[i].start_s <= max_duration) continue;
      if (IsPartOf(words[i].word, kSentenceEnds)) {
        words[i].end_s = words[i].start_s + max_duration;
      } else if (IsPartOf(words[i - 1].word, kSentenceEnds)) {
        words[i].start_s = words[i].end_s - max_duration;
      }
    }
  }
  MergePunctuation(words);
  return words;
}

}  // namespace reflexio
