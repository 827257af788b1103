// Word timestamps for decoded Whisper text, found as the reference transcriber finds them: the
// text is fed again after the window's prompt and <|notimestamps|>, the cross-attention scores
// of the alignment heads (generation_config.json's `alignment_heads`, else every head of the
// decoder's second half) are read for each token, softmaxed over the frames that hold audio,
// standardised per frame, median-filtered along time (width 7) and averaged over heads; dynamic
// time warping through that matrix gives each token the frame where it begins. Words are the
// tokens between spaces (the languages of the allow-list all separate words with spaces);
// quotes and brackets join the next word, closing punctuation the previous one. A word's
// probability is the mean probability of its tokens in the same pass.
//
// Pure functions over a shared read-only model; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "asr/whisper/decoding.h"
#include "asr/whisper/model.h"
#include "asr/whisper/tokenizer.h"

namespace reflexio {

using AlignmentHeads = std::vector<std::pair<int, int>>;  // (decoder layer, head)

// Every head of the second half of the decoder's layers.
AlignmentHeads DefaultAlignmentHeads(const WhisperConfig& config);

// Each row of x [rows][cols] through a running median of odd `width`, the edges mirrored
// (without repeating the edge value). Rows no longer than width / 2 are left as they are.
std::vector<float> MedianFilter(const std::vector<float>& x, int rows, int cols, int width);

// The cheapest monotone path through cost [rows][cols] from (0, 0) to the last cell, moving
// down, right or diagonally: for each step, the row and the column.
struct WarpPath {
  std::vector<int> rows, cols;
};
WarpPath DynamicTimeWarp(const std::vector<float>& cost, int rows, int cols);

struct WordTokens {
  std::string word;  // as decoded, with its leading space
  std::vector<int> tokens;
};
// Text tokens grouped into words: a word begins at a token that decodes to a leading space or to
// punctuation; tokens that only together make whole UTF-8 characters stay together.
std::vector<WordTokens> SplitWordTokens(const std::vector<int>& tokens, const WhisperTokenizer& tokenizer);

struct AlignedWord {
  std::string word;  // leading space kept
  std::vector<int> tokens;
  double start_s = 0, end_s = 0;  // within the window
  double probability = 0;
};

// Opening quotes and brackets move into the next word, closing punctuation into the previous.
void MergePunctuation(std::vector<AlignedWord>& words);

// `prompt`: the window's start-of-transcript sequence (start, language, task); `text_tokens`:
// the text decoded from it, without timestamps; `audio_frames`: mel frames holding audio
// (samples / 160). Returns the words of text_tokens with times; empty when there is no text.
std::vector<AlignedWord> AlignWords(const WhisperModel& model, const std::vector<float>& encoded,
                                    const std::vector<int>& prompt, const std::vector<int>& text_tokens,
                                    const AlignmentHeads& heads, const WhisperTokenizer& tokenizer,
                                    const WhisperSpecialTokens& special, int audio_frames);

}  // namespace reflexio
