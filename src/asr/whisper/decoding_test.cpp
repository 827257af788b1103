// Whisper's decoding rules on crafted logits, the fallback measures, segment times, and a window
// decoded end to end on the random-weight reference model (which loops, so it falls back).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "asr/pocketsphinx_engine.h"
#include "asr/remote_engine.h"
#include "asr/whisper/decoding.h"
#include "asr/whisper/engine.h"
#include "asr/whisper/features.h"
#include "asr/whisper/model.h"
#include "asr/whisper/window.h"
#include "audio/decoder.h"
#include "core/test_support.h"
#include "text/wer.h"

namespace reflexio {
namespace {

constexpr int kVocab = 51865;
const WhisperSpecialTokens kSpecial = WhisperSpecialTokens::For(kVocab, nullptr);
const int kTs = kSpecial.timestamp_begin;

bool Masked(const std::vector<float>& logits, int id) { return std::isinf(logits[id]) && logits[id] < 0; }

std::vector<float> Flat(float value = 0.0f) { return std::vector<float>(kVocab, value); }

// Text as likely as ever, timestamps unlikely even all together: only the pairing rules act.
std::vector<float> WeakTimestamps() {
  std::vector<float> logits = Flat();
  for (int id = kTs; id < kVocab; ++id) logits[id] = -30.0f;
  return logits;
}

TEST(WhisperSpecialTokens, ThePublishedLayoutsOfBothVocabularySizes) {
  EXPECT_EQ(kSpecial.languages.at("en"), 50259);
  EXPECT_EQ(kSpecial.languages.at("ru"), 50263);
  EXPECT_EQ(kSpecial.transcribe, 50359);
  EXPECT_EQ(kSpecial.no_speech, 50362);
  EXPECT_EQ(kSpecial.no_timestamps, 50363);
  EXPECT_EQ(kSpecial.timestamp_begin, 50364);
  WhisperSpecialTokens v3 = WhisperSpecialTokens::For(51866, nullptr);
  EXPECT_EQ(v3.languages.size(), 100u);
  EXPECT_EQ(v3.transcribe, 50360);
  EXPECT_EQ(v3.timestamp_begin, 50365);
  EXPECT_DOUBLE_EQ(kSpecial.TimestampSeconds(kTs + 150), 3.0);
  WhisperSpecialTokens english = WhisperSpecialTokens::For(51864, nullptr);
  EXPECT_FALSE(english.multilingual);
  EXPECT_TRUE(english.languages.empty());
  EXPECT_EQ(english.end_of_text, 50256);
  EXPECT_EQ(english.start_of_transcript, 50257);
  EXPECT_EQ(english.transcribe, 50358);
  EXPECT_EQ(english.no_timestamps, 50362);
  EXPECT_EQ(english.timestamp_begin, 50363);
}

TEST(WhisperRules, AWindowOpensWithAnEarlyTimestampAndNeverWithBlankOrEnd) {
  std::vector<float> logits = Flat();
  logits[220] = 50;  // a blank, very likely
  ApplyWhisperRules(logits, {}, kSpecial, WhisperRules{});
  EXPECT_TRUE(Masked(logits, 220));
  EXPECT_TRUE(Masked(logits, 1000)) << "text cannot open a window";
  EXPECT_TRUE(Masked(logits, kSpecial.end_of_text));
  EXPECT_FALSE(Masked(logits, kTs));
  EXPECT_FALSE(Masked(logits, kTs + 50)) << "1.00 s: the latest a window may open at";
  EXPECT_TRUE(Masked(logits, kTs + 51));
  for (int special : {kSpecial.start_of_transcript, kSpecial.transcribe, kSpecial.no_speech, kSpecial.no_timestamps,
                      kSpecial.languages.at("ru")}) {
    EXPECT_TRUE(Masked(logits, special)) << special;
  }
}

TEST(WhisperRules, TimestampsComeInPairsAndNeverGoBack) {
  WhisperRules rules;
  std::vector<float> logits = WeakTimestamps();
  ApplyWhisperRules(logits, {kTs}, kSpecial, rules);
  EXPECT_TRUE(Masked(logits, kTs + 10)) << "just opened: text must follow";
  EXPECT_FALSE(Masked(logits, 1000));

  logits = WeakTimestamps();
  ApplyWhisperRules(logits, {kTs, 1000, kTs + 50}, kSpecial, rules);
  EXPECT_TRUE(Masked(logits, 1000)) << "just closed: a timestamp or the end";
  EXPECT_FALSE(Masked(logits, kSpecial.end_of_text));
  EXPECT_FALSE(Masked(logits, kTs + 50)) << "the next segment may open where this one closed";
  EXPECT_TRUE(Masked(logits, kTs + 49)) << "never before it";

  logits = WeakTimestamps();
  ApplyWhisperRules(logits, {kTs, 1000, kTs + 50, kTs + 50, 2000}, kSpecial, rules);
  EXPECT_TRUE(Masked(logits, kTs + 50)) << "a closing timestamp is later than the opening one";
  EXPECT_FALSE(Masked(logits, kTs + 51));
  EXPECT_FALSE(Masked(logits, 2000));
}

TEST(WhisperRules, TimestampsWinWhenTogetherTheyAreLikelierThanAnyWord) {
  std::vector<float> logits = Flat(-30.0f);
  logits[1000] = 5.0f;                                   // one strong word
  for (int id = kTs; id < kVocab; ++id) logits[id] = 0;  // 1,501 weak timestamps: e^0 · 1501 > e^5
  ApplyWhisperRules(logits, {kTs, 1000}, kSpecial, WhisperRules{});
  EXPECT_TRUE(Masked(logits, 1000));
  std::vector<float> few = Flat(-30.0f);
  few[1000] = 5.0f;
  few[kTs + 100] = 0;
  ApplyWhisperRules(few, {kTs, 1000}, kSpecial, WhisperRules{});
  EXPECT_FALSE(Masked(few, 1000)) << "one weak timestamp does not outweigh the word";
}

TEST(WhisperRules, WithoutTimestampsTheConfiguredTokensAndBlankStartAreSuppressed) {
  WhisperRules rules;
  rules.timestamps = false;
  rules.suppress_tokens = {1, 2, 7};
  std::vector<float> logits = Flat();
  ApplyWhisperRules(logits, {}, kSpecial, rules);
  for (int id : {1, 2, 7, 220, kSpecial.end_of_text, kTs, kVocab - 1}) EXPECT_TRUE(Masked(logits, id)) << id;
  EXPECT_FALSE(Masked(logits, 1000));
  logits = Flat();
  ApplyWhisperRules(logits, {1000}, kSpecial, rules);
  EXPECT_FALSE(Masked(logits, 220)) << "a blank is only barred at the start";
  EXPECT_FALSE(Masked(logits, kSpecial.end_of_text));
  EXPECT_TRUE(Masked(logits, 7));
}

TEST(WhisperFallback, LoopsAndUnlikelyTextAreRetriedSilenceIsDropped) {
  std::string loop;
  for (int i = 0; i < 40; ++i) loop += "thank you. ";
  EXPECT_GT(CompressionRatio(loop), 2.4);
  EXPECT_LT(CompressionRatio("Printing, in the only sense with which we are at present concerned, differs from most "
                             "if not from all the arts and crafts."),
            2.4);
  EXPECT_TRUE(NeedsFallback({-0.3, 3.0, 0.1}));
  EXPECT_TRUE(NeedsFallback({-1.2, 1.5, 0.1}));
  EXPECT_FALSE(NeedsFallback({-0.3, 1.5, 0.9})) << "likely text stays, whatever no-speech says";
  EXPECT_TRUE(IsSilence({-1.2, 1.5, 0.7}));
  EXPECT_FALSE(NeedsFallback({-1.2, 1.5, 0.7})) << "silence is dropped, not retried";
  EXPECT_FALSE(IsSilence({-0.5, 1.5, 0.9}));
}

TEST(WhisperSegments, TimestampPairsBecomeSegmentTimes) {
  auto segments = SplitSegments({kTs, 10, 11, kTs + 100, kTs + 100, 12, kTs + 250, kTs + 260, 13}, kSpecial, 30.0);
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_DOUBLE_EQ(segments[0].start_s, 0.0);
  EXPECT_DOUBLE_EQ(segments[0].end_s, 2.0);
  EXPECT_EQ(segments[0].tokens, (std::vector<int>{10, 11}));
  EXPECT_DOUBLE_EQ(segments[1].start_s, 2.0);
  EXPECT_DOUBLE_EQ(segments[1].end_s, 5.0);
  EXPECT_DOUBLE_EQ(segments[2].start_s, 5.2);
  EXPECT_DOUBLE_EQ(segments[2].end_s, 30.0) << "unclosed: to the end of the window";
}

TEST(WhisperWindow, TheReferenceModelsLoopIsCaughtAndTheLanguageKeptToTheAllowList) {
  std::string dir = std::string(REFLEXIO_SHARED_DIR) + "/data/whisper-test-model";
  auto model = WhisperModel::Load(dir);
  ASSERT_TRUE(model.ok());
  auto tokenizer = WhisperTokenizer::Load(dir, 50257);
  ASSERT_TRUE(tokenizer.ok());
  auto audio = DecodeAudioFile((testing::SpeechDir("en") / "16k" / "LJ001-0001.wav").string());
  ASSERT_TRUE(audio.ok());
  std::vector<float> encoded = (*model)->Encode(WhisperLogMel(audio->samples, 80));

  WhisperModel::Decoder probe(**model, encoded);
  std::vector<float> first = probe.Next(kSpecial.start_of_transcript);
  std::string expected = first[kSpecial.languages.at("en")] > first[kSpecial.languages.at("ru")] ? "en" : "ru";
  WhisperWindowOptions options;
  options.languages = {"ru", "en"};
  options.rules.timestamps = false;
  options.max_tokens = 40;
  auto window = DecodeWindow(**model, encoded, *tokenizer, kSpecial, options);
  ASSERT_TRUE(window.ok()) << window.status().message();
  EXPECT_EQ(window->language, expected) << "the likelier of the two allowed";
  EXPECT_NEAR(window->quality.no_speech_prob, std::exp(LogSoftmax(first)[kSpecial.no_speech]), 1e-6);
  // Random weights say nothing: greedy decoding loops, so the window is decoded again hotter.
  EXPECT_GT(window->temperature, 0.0);
  for (int id : window->tokens) EXPECT_LT(id, kSpecial.end_of_text) << "only text without timestamps";

  options.languages = {"ru"};
  EXPECT_EQ(DecodeWindow(**model, encoded, *tokenizer, kSpecial, options)->language, "ru");
  options.languages = {"xx"};
  EXPECT_FALSE(DecodeWindow(**model, encoded, *tokenizer, kSpecial, options).ok());
}


TEST(WhisperEngine, TranscribesAcrossWindowsInAnAllowedLanguageWithTimesInsideTheAudio) {
  std::string dir = std::string(REFLEXIO_SHARED_DIR) + "/data/whisper-test-model";
  EXPECT_FALSE(LoadWhisper({dir, {"ru", "xx"}}).ok()) << "an unknown language is refused";
  auto shared = LoadWhisper({dir, {"ru"}});
  ASSERT_TRUE(shared.ok()) << shared.status().message();
  auto audio = DecodeAudioFile((testing::SpeechDir("en") / "16k" / "LJ001-0001.wav").string());
  ASSERT_TRUE(audio.ok());
  std::vector<float> long_audio;
  for (int i = 0; i < 4; ++i) long_audio.insert(long_audio.end(), audio->samples.begin(), audio->samples.end());
  double duration = long_audio.size() / 16000.0;  // 38.6 s: two windows at least
  WhisperEngine engine(*shared);
  auto recognition = engine.Transcribe(long_audio);
  ASSERT_TRUE(recognition.ok()) << recognition.status().message();
  EXPECT_EQ(recognition->engine, "whisper");
  EXPECT_EQ(engine.Name(), "whisper");
  if (!recognition->words.empty()) {
    EXPECT_EQ(recognition->language, "ru") << "the only language allowed";
  }
  double previous_start = 0;
  for (const auto& w : recognition->words) {
    EXPECT_GE(w.start_s, previous_start) << "aligned words in order: " << w.word;
    previous_start = w.start_s;
    EXPECT_GE(w.start_s, 0.0);
    EXPECT_LE(w.end_s, duration + 0.01) << w.word;
    EXPECT_LE(w.start_s, w.end_s);
    EXPECT_GT(w.confidence, 0.0);
    EXPECT_LE(w.confidence, 1.0);
  }
}

// Whisper failing on a recording (here: asked for a language its checkpoint does not know, which
// Load refuses but a model swapped underneath could still hit) hands the audio to PocketSphinx,
// as the server wires it; the transcript says which engine produced it.
TEST(WhisperEngine, PocketSphinxTakesOverWhenWhisperFails) {
  std::string dir = std::string(REFLEXIO_SHARED_DIR) + "/data/whisper-test-model";
  auto loaded = LoadWhisper({dir, {"en"}});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  auto broken = std::make_shared<WhisperCheckpoint>();
  broken->model = WhisperModel::Load(dir).value();
  broken->tokenizer = (*loaded)->tokenizer;
  broken->special = (*loaded)->special;
  broken->rules = (*loaded)->rules;
  broken->alignment_heads = (*loaded)->alignment_heads;
  broken->languages = {"xx"};
  auto audio = DecodeAudioFile((testing::SpeechDir("en") / "16k" / "LJ001-0001.wav").string());
  ASSERT_TRUE(audio.ok());
  WhisperEngine alone(broken);
  ASSERT_FALSE(alone.Transcribe(audio->samples).ok()) << "Whisper itself fails on it";
  FallbackEngine engine(std::make_unique<WhisperEngine>(broken),
                        [] { return PocketSphinxEngine::Create("/usr/share/pocketsphinx/model/en-us"); });
  auto recognition = engine.Transcribe(audio->samples);
  ASSERT_TRUE(recognition.ok()) << recognition.status().message();
  EXPECT_EQ(recognition->engine, "pocketsphinx");
  auto refs = testing::References("en");
  EXPECT_LT(ScoreWords(refs["LJ001-0001.wav"], recognition->text).Rate(), 0.6) << recognition->text;
}

}  // namespace
}  // namespace reflexio
