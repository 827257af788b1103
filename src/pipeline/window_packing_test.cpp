// Packing speech spans into recogniser windows: which spans share a window, the window's audio,
// words sorted back to their spans in recording time, and the pipeline end to end with an
// engine that pays per window.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "audio/decoder.h"
#include "pipeline/speech_pipeline.h"
#include "pipeline/window_packing.h"

namespace reflexio {
namespace {

TEST(PackSpans, ConsecutiveSpansShareAWindowWhileTheyFitWithTheirGaps) {
  std::vector<TimeSpan> spans{{0, 5}, {10, 20}, {25, 40}, {50, 52}};
  std::vector<PackedWindow> windows = PackSpans(spans, 30, 0.3);
  ASSERT_EQ(windows.size(), 2u) << "5 + 0.3 + 10 + 0.3 + 15 is over 30 s";
  ASSERT_EQ(windows[0].pieces.size(), 2u);
  EXPECT_EQ(windows[0].pieces[1].span, 1u);
  EXPECT_DOUBLE_EQ(windows[0].pieces[1].packed_start_s, 5.3);
  EXPECT_DOUBLE_EQ(windows[0].length_s, 15.3);
  ASSERT_EQ(windows[1].pieces.size(), 2u);
  EXPECT_EQ(windows[1].pieces[0].span, 2u);
  EXPECT_DOUBLE_EQ(windows[1].pieces[1].packed_start_s, 15.3);
  EXPECT_DOUBLE_EQ(windows[1].length_s, 17.3);

  EXPECT_EQ(PackSpans(spans, 0, 0.3).size(), 4u) << "an engine without a window: a span each";
  EXPECT_EQ(PackSpans({{0, 30}, {31, 32}}, 30, 0.3).size(), 2u) << "a full span fills its window";
  EXPECT_TRUE(PackSpans({}, 30, 0.3).empty());
}

TEST(PackedAudio, HoldsEachSpansSamplesWithSilenceBetween) {
  std::vector<float> samples(4 * kSampleRate);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<float>(i + 1);
  std::vector<TimeSpan> spans{{0.5, 1.0}, {3.0, 3.25}};
  PackedWindow window = PackSpans(spans, 30, 0.5)[0];
  std::vector<float> audio = PackedAudio(samples, spans, window);
  ASSERT_EQ(audio.size(), static_cast<size_t>(1.25 * kSampleRate));
  EXPECT_EQ(audio[0], samples[kSampleRate / 2]);
  EXPECT_EQ(audio[kSampleRate / 2 - 1], samples[kSampleRate - 1]);
  EXPECT_EQ(audio[kSampleRate / 2], 0.0f) << "the gap is silent";
  EXPECT_EQ(audio[kSampleRate - 1], 0.0f);
  EXPECT_EQ(audio[kSampleRate], samples[3 * kSampleRate]);
  EXPECT_EQ(audio.back(), samples[static_cast<size_t>(3.25 * kSampleRate) - 1]);
}

TEST(UnpackWords, WordsGoToTheSpanTheyWereSaidInInRecordingTime) {
  std::vector<TimeSpan> spans{{10, 12}, {40, 45}};
  PackedWindow window = PackSpans(spans, 30, 0.5)[0];  // [0, 2) then [2.5, 7.5)
  std::vector<RecognizedWord> words{{"first", 0.5, 1.0, 0.9},
                                    {"edge", 1.8, 2.1, 0.8},    // middle 1.95: still the first span, end kept in it
                                    {"gap", 2.3, 2.45, 0.7},    // middle 2.375 in the gap, nearer the second
                                    {"second", 3.0, 3.5, 0.6}};
  auto per_piece = UnpackWords(words, spans, window);
  ASSERT_EQ(per_piece.size(), 2u);
  ASSERT_EQ(per_piece[0].size(), 2u);
  EXPECT_DOUBLE_EQ(per_piece[0][0].start_s, 10.5);
  EXPECT_DOUBLE_EQ(per_piece[0][0].end_s, 11.0);
  EXPECT_DOUBLE_EQ(per_piece[0][1].end_s, 12.0) << "kept inside its span";
  ASSERT_EQ(per_piece[1].size(), 2u);
  EXPECT_EQ(per_piece[1][0].word, "gap");
  EXPECT_DOUBLE_EQ(per_piece[1][0].start_s, 40.0);
  EXPECT_EQ(per_piece[1][1].word, "second");
  EXPECT_DOUBLE_EQ(per_piece[1][1].start_s, 40.5);
  EXPECT_DOUBLE_EQ(per_piece[1][1].confidence, 0.6);
}

// Hears each stretch of sound in what it is given as one word, at the stretch's times, and
// counts its calls: an engine paying per 30 s window, as Whisper does.
class StretchEngine : public AsrEngine {
 public:
  explicit StretchEngine(std::atomic<int>* calls) : calls_(calls) {}
  std::string Name() const override { return "stretches"; }
  Status Ready() const override { return Status::Ok(); }
  double PackedWindowSeconds() const override { return 30; }
  Result<Recognition> Transcribe(std::span<const float> samples) override {
    ++*calls_;
    Recognition r;
    r.engine = Name();
    r.language = "en";
    size_t i = 0;
    while (i < samples.size()) {
      if (std::fabs(samples[i]) < 1e-3f) {
        ++i;
        continue;
      }
      size_t begin = i, quiet = 0;
      while (i < samples.size() && quiet < kSampleRate / 20) quiet = std::fabs(samples[i++]) < 1e-3f ? quiet + 1 : 0;
      r.words.push_back({"w" + std::to_string(r.words.size()), begin / double(kSampleRate),
                         (i - quiet) / double(kSampleRate), 1.0});
    }
    r.text = JoinWords(r.words);
    return r;
  }

 private:
  std::atomic<int>* calls_;
};

TEST(SpeechPipeline, APerWindowEngineHearsAllSpansInOneWindowAndEachSegmentKeepsItsTime) {
  // Three one-second tones, 4 s of silence apart: three segments of the recording.
  std::vector<float> samples(kSampleRate, 0.0f);
  std::vector<double> tone_starts;
  for (int k = 0; k < 3; ++k) {
    tone_starts.push_back(samples.size() / double(kSampleRate));
    for (int i = 0; i < kSampleRate; ++i) samples.push_back(0.3f * std::sin(2 * M_PI * 220 * i / kSampleRate));
    samples.insert(samples.end(), 4 * kSampleRate, 0.0f);
  }
  std::atomic<int> calls = 0;
  auto pool = EnginePool::Create(1, [&]() -> Result<std::unique_ptr<AsrEngine>> {
    return std::unique_ptr<AsrEngine>(std::make_unique<StretchEngine>(&calls));
  });
  ASSERT_TRUE(pool.ok());
  EXPECT_DOUBLE_EQ((*pool)->packed_window_s(), 30.0);
  EnergyVad vad;
  TimePoint captured = FromUnixSeconds(1795733400);
  auto result = RunSpeechPipeline(samples, vad, **pool, captured);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(calls.load(), 1) << "three short spans, one window";
  const auto& segments = result->transcription.segments;
  ASSERT_EQ(segments.size(), 3u);
  for (size_t k = 0; k < segments.size(); ++k) {
    ASSERT_EQ(segments[k].words.size(), 1u);
    EXPECT_NEAR(segments[k].words[0].start_s, tone_starts[k], 0.05) << "in recording time";
    EXPECT_NEAR(segments[k].words[0].end_s, tone_starts[k] + 1.0, 0.05);
    EXPECT_GE(segments[k].words[0].start_s, segments[k].start_s);
    EXPECT_LE(segments[k].words[0].end_s, segments[k].end_s);
    EXPECT_NEAR(ToUnixSeconds(segments[k].captured_at), 1795733400 + segments[k].start_s, 0.002);
    EXPECT_EQ(segments[k].engine, "stretches");
  }
}

}  // namespace
}  // namespace reflexio
