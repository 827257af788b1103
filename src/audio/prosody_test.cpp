#include "audio/prosody.h"

#include <gtest/gtest.h>

#include <cmath>

#include "audio/decoder.h"
#include "core/test_support.h"

namespace reflexio {
namespace {

TEST(Prosody, RealSpeechHasAHumanVoiceAndSilenceHasNone) {
  auto speech = DecodeAudioFile((testing::SpeechDir() / "LJ001-0001.wav").string());
  ASSERT_TRUE(speech.ok());
  Prosody voice = MeasureProsody(speech->samples, 26);
  EXPECT_GT(voice.voiced_fraction, 0.3);
  EXPECT_GT(voice.pitch_median_hz, 120) << "LJ Speech is one female reader";
  EXPECT_LT(voice.pitch_median_hz, 300);
  EXPECT_GT(voice.pitch_range_semitones, 1);
  EXPECT_GT(voice.loudness_db, -40);
  EXPECT_NEAR(voice.speaking_rate_wps, 26 / speech->DurationSeconds(), 1e-9);
  EXPECT_GT(voice.arousal, 0);

  auto male = DecodeAudioFile((testing::SpeechDir() / "3752-4944-0000.flac").string());
  ASSERT_TRUE(male.ok());
  EXPECT_LT(MeasureProsody(male->samples).pitch_median_hz, 140)
      << "a low (male) voice measures low: " << voice.pitch_median_hz;

  std::vector<float> silence(3 * kSampleRate, 0.0f);
  Prosody none = MeasureProsody(silence);
  EXPECT_EQ(none.voiced_fraction, 0);
  EXPECT_EQ(none.pause_fraction, 1);
  EXPECT_EQ(none.pitch_median_hz, 0);
  EXPECT_EQ(none.arousal, 0);
}

TEST(Prosody, AToneHasItsPitchAndNoiseIsNotVoiced) {
  std::vector<float> tone(2 * kSampleRate);
  for (size_t i = 0; i < tone.size(); ++i) tone[i] = 0.3f * std::sin(2 * M_PI * 200 * i / kSampleRate);
  Prosody p = MeasureProsody(tone);
  EXPECT_NEAR(p.pitch_median_hz, 200, 5);
  EXPECT_NEAR(p.pitch_range_semitones, 0, 0.5);
  EXPECT_GT(p.voiced_fraction, 0.9);
  std::vector<float> noise(2 * kSampleRate);
  uint32_t state = 12345;
  for (float& s : noise) {
    state = state * 1664525 + 1013904223;
    s = 0.3f * (float(state >> 8) / float(1 << 24) - 0.5f);
  }
  EXPECT_LT(MeasureProsody(noise).voiced_fraction, 0.1);
  EXPECT_NE(ProsodyJson(p).find("\"arousal\""), std::string::npos);
}

}  // namespace
}  // namespace reflexio
