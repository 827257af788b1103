#include "audio/opus_frames.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "audio/decoder.h"
#include "core/test_support.h"

namespace reflexio {
namespace {

constexpr size_t kFrame = 320;  // 20 ms at 16 kHz

std::vector<float> Tone(double seconds) {
  std::vector<float> samples(static_cast<size_t>(seconds * 16000));
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * 220 * i / 16000.0));
  return samples;
}

TEST(OpusFrames, EachFrameComesBackAsItsSamplesAndAPacketOfAnotherLengthIsRefused) {
  auto encoder = OpusFrameEncoder::Create().value();
  auto decoder = OpusFrameDecoder::Create().value();
  std::vector<float> tone = Tone(1);
  std::vector<float> heard;
  for (size_t at = 0; at + kFrame <= tone.size(); at += kFrame) {
    std::string packet = encoder->Encode(std::span<const float>(tone).subspan(at, kFrame)).value();
    EXPECT_LT(packet.size(), 200u) << "16 kbit/s is 40 bytes a frame, give or take";
    auto samples = decoder->Decode(packet, kFrame);
    ASSERT_TRUE(samples.ok()) << samples.status().message();
    heard.insert(heard.end(), samples->begin(), samples->end());
  }
  // The codec delays by its look-ahead and keeps what a voice needs, not the exact wave: the
  // tone comes back, best matched a few milliseconds late.
  double best = 0;
  for (size_t lag = 0; lag < 400; ++lag) {
    double dot = 0, a = 0, b = 0;
    for (size_t i = 2000; i + lag < heard.size(); ++i) {
      dot += heard[i + lag] * tone[i];
      a += heard[i + lag] * heard[i + lag];
      b += tone[i] * tone[i];
    }
    best = std::max(best, dot / std::sqrt(a * b));
  }
  EXPECT_GT(best, 0.9);
  auto wrong = decoder->Decode(encoder->Encode(std::span<const float>(tone).subspan(0, 2 * kFrame)).value(), kFrame);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("holds 640 samples, not the 320"), std::string::npos);
  EXPECT_FALSE(decoder->Decode("", kFrame).ok());
}

TEST(OpusFrames, PacketsMuxedIntoOggDecodeToTheirLengthWithoutEncodingAgain) {
  auto encoder = OpusFrameEncoder::Create().value();
  std::vector<float> tone = Tone(3);
  std::vector<std::string> packets;
  for (size_t at = 0; at + kFrame <= tone.size(); at += kFrame) {
    packets.push_back(encoder->Encode(std::span<const float>(tone).subspan(at, kFrame)).value());
  }
  // From the middle of the stream, as a stored piece is.
  std::vector<std::string_view> piece(packets.begin() + 25, packets.end());
  auto ogg = MuxOggOpus(piece, 20);
  ASSERT_TRUE(ogg.ok()) << ogg.status().message();
  EXPECT_EQ(ogg->substr(0, 4), "OggS");
  testing::TempDir dir;
  std::string path = dir / "piece.ogg";
  std::ofstream(path, std::ios::binary) << *ogg;
  auto decoded = DecodeAudioFile(path);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  double expected_s = 0.02 * static_cast<double>(piece.size()) - 0.0065;  // less the pre-skip
  EXPECT_NEAR(static_cast<double>(decoded->samples.size()) / 16000, expected_s, 0.021);
  double energy = 0;
  for (size_t i = 1600; i < decoded->samples.size(); ++i) energy += decoded->samples[i] * decoded->samples[i];
  EXPECT_NEAR(energy / static_cast<double>(decoded->samples.size() - 1600), 0.045, 0.01) << "the tone, 0.3 peak";
}

}  // namespace
}  // namespace reflexio
