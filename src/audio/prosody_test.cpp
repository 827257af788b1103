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

std::vector<float> Tone(double hz, double seconds, double amplitude, double second_harmonic = 0) {
  std::vector<float> tone(static_cast<size_t>(seconds * kSampleRate));
  for (size_t i = 0; i < tone.size(); ++i) {
    double t = double(i) / kSampleRate;
    tone[i] = static_cast<float>(amplitude * (std::sin(2 * M_PI * hz * t) + second_harmonic * std::sin(4 * M_PI * hz * t)));
  }
  return tone;
}

TEST(Prosody, PitchIsSoughtOnlyBetween70And400Hz) {
  EXPECT_NEAR(MeasureProsody(Tone(80, 1, 0.3)).pitch_median_hz, 80, 2) << "just inside the low bound";
  EXPECT_NEAR(MeasureProsody(Tone(380, 1, 0.3)).pitch_median_hz, 380, 10) << "just inside the high bound";
  // A 600 Hz whistle is no voice; what it measures must stay inside the bounds (a subharmonic).
  Prosody high = MeasureProsody(Tone(600, 1, 0.3));
  EXPECT_GE(high.pitch_median_hz, 70);
  EXPECT_LE(high.pitch_median_hz, 400);
  EXPECT_NE(std::lround(high.pitch_median_hz), 600);
  // A 50 Hz hum has no period inside the range: it is never measured at 50 Hz.
  Prosody hum = MeasureProsody(Tone(50, 1, 0.3));
  EXPECT_GT(std::fabs(hum.pitch_median_hz - 50), 10) << hum.pitch_median_hz;
}

TEST(Prosody, AStrongSecondHarmonicDoesNotHalveOrDoubleThePitch) {
  Prosody voice = MeasureProsody(Tone(120, 1, 0.2, 0.8));
  EXPECT_NEAR(voice.pitch_median_hz, 120, 3);
}

TEST(Prosody, LoudnessRangeSpansTheLevelsAndArousalRisesWithLoudness) {
  std::vector<float> steps = Tone(200, 1, 0.03);  // about −33 dBFS …
  std::vector<float> loud = Tone(200, 1, 0.3);    // … then −13 dBFS
  steps.insert(steps.end(), loud.begin(), loud.end());
  Prosody both = MeasureProsody(steps);
  EXPECT_NEAR(both.loudness_range_db, 20, 1.5) << "10th to 90th percentile of the voiced frames";
  Prosody quiet = MeasureProsody(Tone(200, 2, 0.03), 4), louder = MeasureProsody(Tone(200, 2, 0.3), 4);
  EXPECT_NEAR(louder.loudness_db - quiet.loudness_db, 20, 0.5);
  EXPECT_GT(louder.arousal, quiet.arousal) << "same pitch and rate, only louder";
  EXPECT_NEAR(louder.arousal - quiet.arousal, (20.0 / 30) / 3, 0.02) << "loudness is one third of arousal";
}

}  // namespace
}  // namespace reflexio
