#include "audio/decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "audio/opus_encoder.h"
#include "core/file_util.h"
#include "core/test_support.h"

namespace reflexio {
namespace {

using testing::SpeechDir;
using testing::TempDir;

// Containers a browser or phone produces that the shared data set does not hold are made
// from a shared WAV with the ffmpeg command-line tool, exactly as a device would encode them.
class DecoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::string src = (SpeechDir() / "LJ001-0001.wav").string();
    struct { const char* name; const char* args; } made[] = {
        {"lj.ogg", "-c:a libopus -b:a 24k"},
        {"lj.webm", "-c:a libopus -b:a 32k -f webm"},
        {"lj.m4a", "-c:a aac -b:a 64k"},
        // As a browser's MediaRecorder writes it: a live stream with no duration and no cues.
        {"lj-live.webm", "-c:a libopus -b:a 32k -f webm -live 1"},
    };
    for (auto& m : made) {
      std::string cmd = "ffmpeg -nostdin -loglevel error -y -i '" + src + "' " + m.args + " '" + (*dir_ / m.name) + "'";
      ASSERT_EQ(testing::Run(cmd), 0) << cmd;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static TempDir* dir_;
};
TempDir* DecoderTest::dir_ = nullptr;

void ExpectDuration(const std::string& path, double seconds, const char* codec) {
  auto audio = DecodeAudioFile(path);
  ASSERT_TRUE(audio.ok()) << path << ": " << audio.status().ToString();
  EXPECT_NEAR(audio->DurationSeconds(), seconds, 0.1) << path;
  EXPECT_EQ(audio->codec, codec) << path;
  // Real speech, not silence: RMS well above the noise floor.
  double sum = 0;
  for (float x : audio->samples) sum += x * x;
  EXPECT_GT(std::sqrt(sum / audio->samples.size()), 0.01) << path;
}

TEST_F(DecoderTest, DecodesEveryAcceptedContainerTo16kMono) {
  ExpectDuration((SpeechDir() / "LJ001-0001.wav").string(), 9.655, "pcm_s16le");
  ExpectDuration((SpeechDir() / "1988-24833-0000.flac").string(), 3.32, "flac");
  ExpectDuration((SpeechDir() / "mp3_original" / "common_voice_en_18132047.mp3").string(), 4.18, "mp3float");
  ExpectDuration(*dir_ / "lj.ogg", 9.655, "opus");
  ExpectDuration(*dir_ / "lj.webm", 9.655, "opus");
  ExpectDuration(*dir_ / "lj.m4a", 9.655, "aac");
  ExpectDuration(*dir_ / "lj-live.webm", 9.655, "opus");
}

TEST_F(DecoderTest, ResamplesFrom48kAndFloat32Sources) {
  ExpectDuration((SpeechDir() / "p225_001_mic1.flac").string(), 2.05, "flac");             // 48 kHz
  ExpectDuration((SpeechDir() / "EDACC-C02-000000001.wav").string(), 3.16, "pcm_f32le");  // 32 kHz float
}

TEST_F(DecoderTest, TruncatedFlacIsUnprocessable) {
  auto bytes = std::filesystem::file_size(SpeechDir() / "2412-153948-0000.flac");
  std::ifstream in(SpeechDir() / "2412-153948-0000.flac", std::ios::binary);
  std::string data(bytes / 2, '\0');
  in.read(data.data(), data.size());
  std::ofstream(*dir_ / "cut.flac", std::ios::binary) << data;
  auto audio = DecodeAudioFile(*dir_ / "cut.flac");
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.status().code(), ErrorCode::kUnprocessable);
  EXPECT_NE(audio.status().message().find("cut short"), std::string::npos) << audio.status().message();
}

TEST_F(DecoderTest, RandomBytesAndTextAreNotAudio) {
  std::string noise(64 * 1024, '\0');
  uint32_t x = 12345;
  for (char& c : noise) { x = x * 1664525 + 1013904223; c = static_cast<char>(x >> 24); }
  std::ofstream(*dir_ / "noise.wav", std::ios::binary) << noise;
  std::ofstream(*dir_ / "note.txt") << "this is a shopping list, not a recording\n";
  for (const char* name : {"noise.wav", "note.txt"}) {
    auto audio = DecodeAudioFile(*dir_ / name);
    ASSERT_FALSE(audio.ok()) << name;
    EXPECT_TRUE(audio.status().code() == ErrorCode::kUnsupportedMedia ||
                audio.status().code() == ErrorCode::kUnprocessable) << name;
  }
}

TEST_F(DecoderTest, WindowKeepsOnlyTheRequestedSamples) {
  std::string path = (SpeechDir() / "LJ001-0001.wav").string();
  auto full = DecodeAudioFile(path);
  auto clip = DecodeAudioFile(path, {.start_s = 2.0, .end_s = 3.5});
  ASSERT_TRUE(full.ok() && clip.ok());
  ASSERT_EQ(clip->samples.size(), 24000u);
  EXPECT_EQ(clip->sample_count, 24000);
  EXPECT_EQ(full->sample_count, static_cast<int64_t>(full->samples.size()));
  for (size_t i = 0; i < clip->samples.size(); i += 997) EXPECT_FLOAT_EQ(clip->samples[i], full->samples[32000 + i]);
}

// How an upload is checked: decoded to the end, measured, and held nowhere.
TEST_F(DecoderTest, CountingWithoutKeepingMeasuresTheSameAndHoldsNothing) {
  for (std::string path : {(SpeechDir() / "LJ001-0001.wav").string(), std::string(*dir_ / "lj-live.webm")}) {
    auto kept = DecodeAudioFile(path);
    auto counted = DecodeAudioFile(path, {.keep_samples = false});
    ASSERT_TRUE(kept.ok() && counted.ok()) << path;
    EXPECT_TRUE(counted->samples.empty()) << path;
    EXPECT_EQ(counted->sample_count, kept->sample_count) << path;
    EXPECT_EQ(counted->codec, kept->codec) << path;
  }
  auto read = ReadWholeFile(SpeechDir() / "2412-153948-0000.flac");
  ASSERT_TRUE(read.ok());
  const std::string& whole = *read;
  std::ofstream(*dir_ / "half.flac", std::ios::binary) << whole.substr(0, whole.size() / 2);
  auto cut = DecodeAudioFile(*dir_ / "half.flac", {.keep_samples = false});
  ASSERT_FALSE(cut.ok()) << "a cut file is refused without keeping its samples too";
  EXPECT_EQ(cut.status().code(), ErrorCode::kUnprocessable);
}

TEST_F(DecoderTest, OggOpusRoundTripKeepsDurationAndIsSmall) {
  auto audio = DecodeAudioFile((SpeechDir() / "LJ001-0001.wav").string());
  ASSERT_TRUE(audio.ok());
  auto opus = EncodeOggOpus(audio->samples, 16000);
  ASSERT_TRUE(opus.ok());
  double kbps = opus->size() * 8 / audio->DurationSeconds() / 1000;
  EXPECT_LT(kbps, 22) << "stored audio should be ~16 kbit/s";
  EXPECT_GT(kbps, 10);
  std::ofstream(*dir_ / "round.opus", std::ios::binary) << *opus;
  auto back = DecodeAudioFile(*dir_ / "round.opus");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_NEAR(back->DurationSeconds(), audio->DurationSeconds(), 0.05);
  EXPECT_EQ(back->container, "ogg");
}

TEST_F(DecoderTest, WavEncodingDecodesBackExactly) {
  std::vector<float> tone(16000);
  for (size_t i = 0; i < tone.size(); ++i) tone[i] = 0.5f * std::sin(i * 0.05f);
  std::ofstream(*dir_ / "tone.wav", std::ios::binary) << EncodeWav16(tone);
  auto back = DecodeAudioFile(*dir_ / "tone.wav");
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->samples.size(), tone.size());
  for (size_t i = 0; i < tone.size(); i += 101) EXPECT_NEAR(back->samples[i], tone[i], 1e-4);
}

}  // namespace
}  // namespace reflexio
