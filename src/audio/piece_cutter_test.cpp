#include "audio/piece_cutter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "audio/decoder.h"
#include "core/test_support.h"

namespace reflexio {
namespace {

std::vector<float> Speech(const std::string& file) {
  DecodeOptions options;
  options.keep_samples = true;
  return DecodeAudioFile((testing::SpeechDir() / file).string(), options).value().samples;
}

void Silence(std::vector<float>& stream, double seconds) { stream.insert(stream.end(), size_t(seconds * 16000), 0.0f); }

// The stream as a sound card gives it: 30 ms at a time.
std::vector<SpeechPiece> Feed(PieceCutter& cutter, const std::vector<float>& stream) {
  std::vector<SpeechPiece> pieces;
  for (size_t at = 0; at < stream.size(); at += 480) {
    auto chunk = std::span<const float>(stream).subspan(at, std::min<size_t>(480, stream.size() - at));
    auto done = cutter.Push(chunk);
    EXPECT_TRUE(done.ok()) << done.status().message();
    pieces.insert(pieces.end(), done->begin(), done->end());
  }
  auto rest = cutter.Finish();
  pieces.insert(pieces.end(), rest->begin(), rest->end());
  return pieces;
}

double Seconds(const SpeechPiece& p) { return static_cast<double>(p.samples.size()) / 16000; }

TEST(PieceCutterTest, TwoUtterancesApartAreTwoPiecesWithPreRollAtTheirCaptureOffsets) {
  std::vector<float> stream, first = Speech("LJ001-0001.wav"), second = Speech("LJ001-0004.wav");
  Silence(stream, 4);
  stream.insert(stream.end(), first.begin(), first.end());
  Silence(stream, 5);
  double second_at = static_cast<double>(stream.size()) / 16000;
  stream.insert(stream.end(), second.begin(), second.end());
  Silence(stream, 4);
  PieceCutter cutter;
  std::vector<SpeechPiece> pieces = Feed(cutter, stream);
  ASSERT_EQ(pieces.size(), 2u);
  // The files carry a little quiet of their own around the words; a piece starts just before them.
  EXPECT_NEAR(pieces[0].start_s, 4.0, 0.6);
  EXPECT_NEAR(pieces[1].start_s, second_at, 0.6);
  EXPECT_NEAR(Seconds(pieces[0]), static_cast<double>(first.size()) / 16000, 1.0);
  EXPECT_NEAR(Seconds(pieces[1]), static_cast<double>(second.size()) / 16000, 1.0);
  EXPECT_LT(cutter.held_s(), 0.5);
}

TEST(PieceCutterTest, SpeechLongerThanThePieceBoundIsCutIntoPiecesThatCoverIt) {
  std::vector<float> stream;
  for (const char* file : {"LJ001-0001.wav", "LJ001-0003.wav", "LJ001-0004.wav", "LJ001-0001.wav", "LJ001-0003.wav"}) {
    std::vector<float> s = Speech(file);
    stream.insert(stream.end(), s.begin(), s.end());  // ~44 s with only the files' own short pauses
  }
  PieceCutter cutter;
  std::vector<SpeechPiece> pieces = Feed(cutter, stream);
  ASSERT_GE(pieces.size(), 2u);
  double covered = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_LE(Seconds(pieces[i]), 30.0 + 1e-6) << i;
    if (i > 0) {
      EXPECT_GE(pieces[i].start_s, pieces[i - 1].start_s + Seconds(pieces[i - 1]) - 1e-6) << "no overlap";
    }
    covered += Seconds(pieces[i]);
  }
  EXPECT_GT(covered, 0.9 * static_cast<double>(stream.size()) / 16000) << "the speech is kept, not lost at a cut";
}

TEST(PieceCutterTest, QuietIsNeverAPieceAndIsNotHeld) {
  std::vector<float> stream;
  Silence(stream, 20);
  PieceCutter cutter;
  for (size_t at = 0; at < stream.size(); at += 480) {
    EXPECT_TRUE(cutter.Push(std::span<const float>(stream).subspan(at, 480))->empty());
    EXPECT_LT(cutter.held_s(), 1.0) << "only pre-roll and the next check's worth is held";
  }
  EXPECT_TRUE(cutter.Finish()->empty());
}

}  // namespace
}  // namespace reflexio
