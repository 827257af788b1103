#include "audio/vad.h"

#include <gtest/gtest.h>

#include "audio/decoder.h"
#include "core/test_support.h"

namespace reflexio {
namespace {

using testing::SpeechDir;

std::vector<float> Load(const std::string& name) {
  auto audio = DecodeAudioFile((SpeechDir() / name).string());
  EXPECT_TRUE(audio.ok()) << name;
  return audio.ok() ? audio->samples : std::vector<float>{};
}

void AppendSilence(std::vector<float>& out, double seconds) {
  // Faint room noise rather than digital zero, as a real microphone gives.
  uint32_t x = 7;
  for (int i = 0; i < seconds * kSampleRate; ++i) {
    x = x * 1664525 + 1013904223;
    out.push_back(((x >> 9) / float(1 << 23) - 0.5f) * 0.002f);
  }
}

// Two real utterances with a known 2 s pause between them.
struct KnownPause {
  std::vector<float> samples;
  double pause_start = 0, pause_end = 0;
};
KnownPause MakeKnownPause() {
  KnownPause k;
  AppendSilence(k.samples, 0.5);
  auto first = Load("goforward.wav");
  k.samples.insert(k.samples.end(), first.begin(), first.end());
  k.pause_start = k.samples.size() / double(kSampleRate);
  AppendSilence(k.samples, 2.0);
  k.pause_end = k.samples.size() / double(kSampleRate);
  auto second = Load("p225_002_mic1.flac");
  k.samples.insert(k.samples.end(), second.begin(), second.end());
  AppendSilence(k.samples, 0.5);
  return k;
}

class VadTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VadTest, FindsTheKnownPauseBetweenTwoUtterances) {
  KnownPause k = MakeKnownPause();
  auto vad = MakeVad(GetParam());
  ASSERT_TRUE(vad.ok());
  auto speech = FindSpeech(k.samples, **vad);
  ASSERT_TRUE(speech.ok());
  ASSERT_GE(speech->regions.size(), 2u);
  // Some region boundary falls inside the pause, and no region covers its middle.
  double middle = (k.pause_start + k.pause_end) / 2;
  for (const auto& r : speech->regions) {
    EXPECT_FALSE(r.start_s < middle && r.end_s > middle) << r.start_s << "-" << r.end_s;
  }
  // Speech is found on both sides of the pause.
  EXPECT_LT(speech->regions.front().start_s, k.pause_start);
  EXPECT_GT(speech->regions.back().end_s, k.pause_end);
  // Speech time is plausible: most of the two utterances, none of the long silences.
  double total = k.samples.size() / double(kSampleRate);
  EXPECT_GT(speech->speech_seconds, 2.0);
  EXPECT_LT(speech->speech_seconds, total - 2.5);
}

TEST_P(VadTest, SilenceHasNoSpeech) {
  std::vector<float> quiet;
  AppendSilence(quiet, 3.0);
  auto vad = MakeVad(GetParam());
  auto speech = FindSpeech(quiet, **vad);
  ASSERT_TRUE(speech.ok());
  EXPECT_TRUE(speech->regions.empty());
  EXPECT_EQ(speech->speech_seconds, 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, VadTest, ::testing::Values("energy", "webrtc"));

TEST(SamplesIn, GivesTheSpansSamplesClippedToTheAudio) {
  std::vector<float> samples(2 * kSampleRate);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<float>(i);
  std::span<const float> inside = SamplesIn(samples, {0.5, 1.0});
  ASSERT_EQ(inside.size(), static_cast<size_t>(kSampleRate / 2));
  EXPECT_EQ(inside.front(), samples[kSampleRate / 2]);
  EXPECT_EQ(SamplesIn(samples, {1.5, 3.0}).size(), static_cast<size_t>(kSampleRate / 2)) << "clipped at the end";
  EXPECT_TRUE(SamplesIn(samples, {2.5, 3.0}).empty()) << "past the end";
}

TEST(PlanSegments, NoSegmentIsLongerThan30sAndAllSpeechIsCovered) {
  std::vector<float> samples;
  for (const char* name : {"LJ001-0001.wav", "LJ001-0003.wav", "2412-153948-0000.flac", "2412-153948-0001.flac",
                           "EDACC-C02-000000000.wav"}) {
    auto part = Load(name);
    samples.insert(samples.end(), part.begin(), part.end());
    AppendSilence(samples, 0.4);
  }
  ASSERT_GT(samples.size() / double(kSampleRate), 45.0);
  EnergyVad vad;
  auto speech = FindSpeech(samples, vad);
  ASSERT_TRUE(speech.ok());
  auto segments = PlanSegments(samples, speech->regions);
  ASSERT_GE(segments.size(), 2u);
  for (const auto& s : segments) EXPECT_LE(s.Length(), 30.0 + 1e-9);
  for (const auto& r : speech->regions) {
    bool covered = false;
    for (const auto& s : segments) covered |= s.start_s <= r.start_s + 1e-9 && s.end_s >= r.end_s - 1e-9;
    bool split = false;
    for (const auto& s : segments) split |= s.start_s > r.start_s && s.start_s < r.end_s;
    EXPECT_TRUE(covered || split) << r.start_s << "-" << r.end_s;
  }
}

TEST(PlanSegments, OneLongStretchIsCutAtItsQuietestPoint) {
  std::vector<float> samples(70 * kSampleRate, 0.1f);
  for (int i = 0; i < kSampleRate / 10; ++i) samples[25 * kSampleRate + i] = 0.0f;  // a dip at 25 s
  auto segments = PlanSegments(samples, {{0, 70}});
  ASSERT_GE(segments.size(), 3u);
  EXPECT_NEAR(segments[0].end_s, 25.0, 0.02);
  for (const auto& s : segments) EXPECT_LE(s.Length(), 30.0);
}

}  // namespace
}  // namespace reflexio
