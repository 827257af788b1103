// Word timestamps: the time warp and median filter on crafted matrices, words from tokens (with
// characters split across tokens), punctuation merging, words assigned back to their segments,
// and alignment end to end on the random-weight reference model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "asr/whisper/alignment.h"
#include "asr/whisper/engine.h"
#include "asr/whisper/features.h"
#include "audio/decoder.h"
#include "core/test_support.h"

namespace reflexio {
namespace {

std::string ModelDir() { return std::string(REFLEXIO_SHARED_DIR) + "/data/whisper-test-model"; }

TEST(DynamicTimeWarp, FollowsTheCheapCellsAndReachesEveryRowOnce) {
  // Row 0 is cheap in columns 0–2, row 1 in 3–4, row 2 in 5–7.
  const int rows = 3, cols = 8;
  std::vector<float> cost(rows * cols, 1.0f);
  for (int c = 0; c <= 2; ++c) cost[0 * cols + c] = -1;
  for (int c = 3; c <= 4; ++c) cost[1 * cols + c] = -1;
  for (int c = 5; c <= 7; ++c) cost[2 * cols + c] = -1;
  WarpPath path = DynamicTimeWarp(cost, rows, cols);
  ASSERT_EQ(path.rows.size(), path.cols.size());
  EXPECT_EQ(path.rows.front(), 0);
  EXPECT_EQ(path.cols.front(), 0);
  EXPECT_EQ(path.rows.back(), rows - 1);
  EXPECT_EQ(path.cols.back(), cols - 1);
  std::vector<int> first_column(rows, -1);
  for (size_t k = 0; k < path.rows.size(); ++k) {
    if (k > 0) {
      EXPECT_GE(path.rows[k], path.rows[k - 1]);
      EXPECT_GE(path.cols[k], path.cols[k - 1]);
    }
    if (first_column[path.rows[k]] < 0) first_column[path.rows[k]] = path.cols[k];
  }
  EXPECT_EQ(first_column, (std::vector<int>{0, 3, 5}));
}

TEST(MedianFilter, MirrorsTheEdgesWithoutRepeatingThem) {
  std::vector<float> x{1, 9, 2, 8, 3, /* second row */ 5, 5, 5, 0, 5};
  EXPECT_EQ(MedianFilter(x, 2, 5, 3), (std::vector<float>{9, 2, 8, 3, 8, 5, 5, 5, 5, 0}));
  EXPECT_EQ(MedianFilter(x, 1, 5, 11), x) << "rows shorter than half the width stay";
}

class WhisperVocabulary : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = WhisperTokenizer::Load(ModelDir(), 50257);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    tokenizer_ = std::move(*loaded);
  }
  // The byte alphabet's token for each character of GPT-2's spelling ("Ġ" is a space).
  std::vector<int> Bytes(const std::vector<std::string>& symbols) {
    std::vector<int> ids;
    for (const auto& s : symbols) ids.push_back(tokenizer_.Find(s).value());
    return ids;
  }
  WhisperTokenizer tokenizer_;
};

TEST_F(WhisperVocabulary, WordsStartAtSpacesAndPunctuationAndKeepSplitCharactersWhole) {
  // " Hi, дом!" — "д", "о", "м" are two bytes each, one token per byte.
  std::vector<int> tokens = Bytes({"Ġ", "H", "i", ",", "Ġ", "Ð", "´", "Ð", "¾", "Ð", "¼", "!"});
  std::vector<WordTokens> words = SplitWordTokens(tokens, tokenizer_);
  ASSERT_EQ(words.size(), 4u);
  EXPECT_EQ(words[0].word, " Hi");
  EXPECT_EQ(words[1].word, ",");
  EXPECT_EQ(words[2].word, " дом");
  EXPECT_EQ(words[2].tokens.size(), 7u);
  EXPECT_EQ(words[3].word, "!");
  size_t total = 0;
  for (const auto& w : words) total += w.tokens.size();
  EXPECT_EQ(total, tokens.size()) << "every token belongs to one word";
}

TEST(MergePunctuation, OpeningMarksJoinTheNextWordClosingOnesThePrevious) {
  std::vector<AlignedWord> words{{" \"", {1}, 0.0, 0.1, 1}, {"Hi", {2}, 0.1, 0.5, 1}, {",", {3}, 0.5, 0.6, 1},
                                 {" you", {4}, 0.6, 1.0, 1}, {"!", {5}, 1.0, 1.1, 1}};
  MergePunctuation(words);
  ASSERT_EQ(words.size(), 5u) << "emptied words stay, so token counts still add up";
  EXPECT_EQ(words[0].word, "");
  EXPECT_TRUE(words[0].tokens.empty());
  EXPECT_EQ(words[1].word, " \"Hi,");
  EXPECT_EQ(words[1].tokens, (std::vector<int>{1, 2, 3}));
  EXPECT_DOUBLE_EQ(words[1].start_s, 0.1) << "the word keeps its own times";
  EXPECT_EQ(words[2].word, "");
  EXPECT_EQ(words[3].word, " you!");
  EXPECT_EQ(words[4].word, "");
}

TEST(WordsOfSegments, EachWordGoesToTheSegmentOfItsTokensAndLongEdgesAreCut) {
  std::vector<WhisperSegment> segments{{1.0, 2.0, {1, 2, 3}}, {3.0, 4.0, {4, 5}}};
  std::vector<AlignedWord> aligned{{" one", {1}, 0.2, 1.4, 0.9},   // starts 0.8 s before its segment
                                   {" two,", {2, 3}, 1.4, 1.9, 0.8},
                                   {"", {}, 1.9, 1.9, 0},           // emptied by punctuation merging
                                   {" three", {4, 5}, 3.1, 5.0, 0.7}};  // ends 1 s after its segment
  std::vector<RecognizedWord> words = WordsOfSegments(segments, aligned, 4.5);
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[0].word, "one");
  EXPECT_DOUBLE_EQ(words[0].start_s, 1.0) << "cut back to the segment's timestamp";
  EXPECT_DOUBLE_EQ(words[0].end_s, 1.4);
  EXPECT_DOUBLE_EQ(words[0].confidence, 0.9);
  EXPECT_EQ(words[1].word, "two,");
  EXPECT_EQ(words[2].word, "three");
  EXPECT_DOUBLE_EQ(words[2].start_s, 3.1);
  EXPECT_DOUBLE_EQ(words[2].end_s, 4.0);
}

TEST(AlignmentHeads, TheDecodersSecondHalfByDefault) {
  WhisperConfig config = WhisperConfig::ForSize("base").value();  // 6 layers, 8 heads
  AlignmentHeads heads = DefaultAlignmentHeads(config);
  ASSERT_EQ(heads.size(), 24u);
  EXPECT_EQ(heads.front(), std::make_pair(3, 0));
  EXPECT_EQ(heads.back(), std::make_pair(5, 7));
}

TEST(AlignWords, TheReferenceModelsWordsGetOrderedTimesInsideTheAudio) {
  auto model = WhisperModel::Load(ModelDir());
  ASSERT_TRUE(model.ok());
  auto tokenizer = WhisperTokenizer::Load(ModelDir(), 50257);
  ASSERT_TRUE(tokenizer.ok());
  WhisperSpecialTokens special = WhisperSpecialTokens::For(51865, nullptr);
  auto audio = DecodeAudioFile((testing::SpeechDir("en") / "16k" / "LJ001-0001.wav").string());
  ASSERT_TRUE(audio.ok());
  std::vector<float> encoded = (*model)->Encode(WhisperLogMel(audio->samples, 80));
  int frames = static_cast<int>(audio->samples.size() / kWhisperHop);

  // Recording the alignment heads changes nothing the decoder answers.
  WhisperModel::Decoder plain(**model, encoded), recording(**model, encoded);
  recording.RecordCrossAttention({{1, 0}, {1, 1}, {7, 0}});
  ASSERT_EQ(recording.recorded_heads().size(), 2u) << "a layer the model lacks is dropped";
  EXPECT_EQ(plain.Next(special.start_of_transcript), recording.Next(special.start_of_transcript));
  ASSERT_EQ(recording.cross_attention_scores().size(), 2u * 1500);
  EXPECT_NE(recording.cross_attention_scores()[0], recording.cross_attention_scores()[1500]);
  // Fed together, the next tokens give each token's scores as fed one at a time.
  std::vector<float> one_by_one;
  WhisperModel::Decoder fork = recording;
  for (int id : {special.languages.at("en"), special.transcribe}) {
    fork.Next(id);
    one_by_one.insert(one_by_one.end(), fork.cross_attention_scores().begin(), fork.cross_attention_scores().end());
  }
  recording.Feed({special.languages.at("en"), special.transcribe});
  ASSERT_EQ(recording.cross_attention_scores().size(), one_by_one.size());
  for (size_t i = 0; i < one_by_one.size(); ++i) {
    ASSERT_NEAR(recording.cross_attention_scores()[i], one_by_one[i], 1e-4) << i;
  }

  std::vector<int> prompt{special.start_of_transcript, special.languages.at("en"), special.transcribe};
  std::vector<int> text = tokenizer->Find("Ġ").has_value()
                              ? std::vector<int>{*tokenizer->Find("Ġ"), *tokenizer->Find("a"), *tokenizer->Find("Ġ"),
                                                 *tokenizer->Find("b"), *tokenizer->Find("c"), *tokenizer->Find("."),
                                                 *tokenizer->Find("Ġ"), *tokenizer->Find("d")}
                              : std::vector<int>{};
  ASSERT_FALSE(text.empty());
  std::vector<AlignedWord> words =
      AlignWords(**model, encoded, prompt, text, DefaultAlignmentHeads((*model)->config()), *tokenizer, special, frames);
  ASSERT_EQ(words.size(), 4u);  // " a", " bc.", "" (the merged "."), " d"
  EXPECT_EQ(words[0].word, " a");
  EXPECT_EQ(words[1].word, " bc.");
  EXPECT_EQ(words[3].word, " d");
  double audio_s = audio->samples.size() / 16000.0;
  double last_start = 0;
  for (const AlignedWord& w : words) {
    if (w.word.empty()) continue;
    EXPECT_GE(w.start_s, last_start) << w.word;
    EXPECT_LE(w.start_s, w.end_s) << w.word;
    EXPECT_LE(w.end_s, audio_s + 0.02) << w.word;
    EXPECT_GT(w.probability, 0.0);
    EXPECT_LE(w.probability, 1.0);
    last_start = w.start_s;
  }
  EXPECT_TRUE(AlignWords(**model, encoded, prompt, {}, {}, *tokenizer, special, frames).empty());
}

}  // namespace
}  // namespace reflexio
