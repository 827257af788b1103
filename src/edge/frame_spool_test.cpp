#include "edge/frame_spool.h"

#include <gtest/gtest.h>

#include "core/test_support.h"
#include "crypto/keys.h"

namespace reflexio {
namespace {

const TimePoint kMorning = *ParseRfc3339("2026-12-07T07:10:00.250Z");

std::string Packet(uint64_t seq) { return "opus-packet-" + std::to_string(seq) + std::string(40, 'x'); }

std::vector<uint64_t> SeqsOf(const std::vector<SpooledFrame>& frames) {
  std::vector<uint64_t> seqs;
  for (const SpooledFrame& frame : frames) {
    EXPECT_EQ(frame.packet, Packet(frame.seq)) << "frame " << frame.seq << " came back changed";
    seqs.push_back(frame.seq);
  }
  return seqs;
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> seqs;
  for (uint64_t s = from; s < to; ++s) seqs.push_back(s);
  return seqs;
}

TEST(FrameSpoolTest, FramesComeBackInOrderSealedOnDiskAndLeaveOnceAcknowledged) {
  testing::TempDir dir;
  std::string key = NewDataKey();
  auto spool = FrameSpool::Open(dir.path(), key, 1 << 20, 10).value();
  ASSERT_TRUE(spool->BeginStream(AddSeconds(kMorning, -1)).ok());
  for (uint64_t seq = 0; seq < 5; ++seq) ASSERT_TRUE(spool->Append(Packet(seq)).ok());
  EXPECT_FALSE(spool->Oldest()) << "not offered before its date has settled";
  ASSERT_TRUE(spool->Redate(kMorning).ok());
  for (uint64_t seq = 5; seq < 25; ++seq) ASSERT_TRUE(spool->Append(Packet(seq)).ok());
  ASSERT_TRUE(spool->Redate(AddSeconds(kMorning, 9)).ok());  // too late: it was offered dated

  auto stream = spool->Oldest();
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->captured_at, kMorning);
  EXPECT_FALSE(stream->ended);
  EXPECT_EQ(stream->end_seq, 25u);
  EXPECT_EQ(SeqsOf(spool->Read(stream->id, 0, 100).value()), Range(0, 25)) << "sealed segments, then the tail";
  EXPECT_EQ(SeqsOf(spool->Read(stream->id, 7, 5).value()), Range(7, 12));
  EXPECT_EQ(spool->Stats().frames, 25);
  for (const auto& [path, bytes] : testing::FileContentsUnder(dir.path())) {
    EXPECT_EQ(bytes.find("opus-packet"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("2026-12-07"), std::string::npos) << path;
  }

  ASSERT_TRUE(spool->AcknowledgeThrough(stream->id, 12).ok());
  EXPECT_EQ(SeqsOf(spool->Read(stream->id, 0, 100).value()), Range(10, 25))
      << "a segment goes once all of it is acknowledged";
  EXPECT_EQ(testing::FileContentsUnder(dir.path()).size(), 1u) << "frames 10–19 remain on disk; 20–24 in memory";
  EXPECT_FALSE(spool->Remove(stream->id).ok()) << "the stream being spooled cannot be removed";

  // A new stream (a break in the capture clock) ends this one: its tail is sealed, nothing lost.
  ASSERT_TRUE(spool->BeginStream(AddSeconds(kMorning, 60)).ok());
  ASSERT_TRUE(spool->Append(Packet(0)).ok());
  EXPECT_TRUE(spool->Find(stream->id)->ended);
  spool.reset();

  // A restart finds the first stream whole from its last acknowledgement on; the second lost its
  // unsealed frame in the "crash" and, with nothing left, is gone.
  spool = FrameSpool::Open(dir.path(), key, 1 << 20, 10).value();
  auto found = spool->Oldest();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, stream->id);
  EXPECT_EQ(found->captured_at, kMorning);
  EXPECT_TRUE(found->ended);
  EXPECT_EQ(SeqsOf(spool->Read(found->id, 0, 100).value()), Range(10, 25));
  EXPECT_EQ(spool->Stats().streams, 1);
  ASSERT_TRUE(spool->BeginStream(kMorning).ok());
  ASSERT_TRUE(spool->Remove(found->id).ok());
  EXPECT_EQ(spool->Stats().frames, 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / found->id));
  EXPECT_FALSE(FrameSpool::Open(dir.path(), NewDataKey(), 1 << 20).value()->Oldest())
      << "no stream is readable under another key";
}

TEST(FrameSpoolTest, AFullSpoolDropsItsOldestFramesAndAReaderSkipsToTheNextHeld) {
  testing::TempDir dir;
  auto spool = FrameSpool::Open(dir.path(), NewDataKey(), 2000, 10).value();
  ASSERT_TRUE(spool->BeginStream(kMorning).ok());
  for (uint64_t seq = 0; seq < 60; ++seq) ASSERT_TRUE(spool->Append(Packet(seq)).ok());
  FrameSpoolStats stats = spool->Stats();
  EXPECT_LE(stats.bytes, 2000u);
  EXPECT_GT(stats.frames_dropped, 0);
  EXPECT_EQ(stats.frames_dropped % 10, 0) << "whole segments go";
  EXPECT_EQ(stats.frames + stats.frames_dropped, 60);
  auto frames = spool->Read(spool->Oldest()->id, 0, 100).value();
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.front().seq, static_cast<uint64_t>(stats.frames_dropped)) << "the oldest held comes first";
  EXPECT_EQ(SeqsOf(frames), Range(frames.front().seq, 60));
  auto tiny = FrameSpool::Open(dir.path() / "tiny", NewDataKey(), 2000, 1).value();
  ASSERT_TRUE(tiny->BeginStream(kMorning).ok());
  EXPECT_EQ(tiny->Append(std::string(5000, 'y')).code(), ErrorCode::kInvalidArgument)
      << "a segment larger than the whole spool is refused";
}

}  // namespace
}  // namespace reflexio
