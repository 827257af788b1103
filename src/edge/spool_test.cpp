#include "edge/spool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/test_support.h"
#include "crypto/keys.h"

namespace reflexio {
namespace {

using ::testing::ElementsAre;

const TimePoint kMorning = *ParseRfc3339("2026-12-07T07:10:00.250Z");

std::string Audio(char fill, size_t bytes) { return "RIFF" + std::string(bytes, fill); }

TEST(SpoolTest, PiecesAreSealedOnDiskAndComeBackOldestFirst) {
  testing::TempDir dir;
  std::string key = NewDataKey();
  auto spool = Spool::Open(dir.path(), key, 1 << 20);
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  std::string first = *(*spool)->Add(kMorning, "audio/wav", Audio('a', 5000) + "what was said at breakfast");
  std::string second = *(*spool)->Add(AddSeconds(kMorning, 30), "audio/ogg", Audio('b', 4000));
  EXPECT_THAT((*spool)->Waiting(), ElementsAre(first, second));

  auto piece = (*spool)->Read(first);
  ASSERT_TRUE(piece.ok()) << piece.status().message();
  EXPECT_EQ(piece->id, first);
  EXPECT_EQ(piece->captured_at, kMorning) << "the capture time to the millisecond";
  EXPECT_EQ(piece->content_type, "audio/wav");
  EXPECT_EQ(piece->audio, Audio('a', 5000) + "what was said at breakfast");
  for (const auto& [path, bytes] : testing::FileContentsUnder(dir.path())) {
    EXPECT_EQ(bytes.find("breakfast"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("audio/wav"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("2026-12-07"), std::string::npos) << path;
  }

  // Reopened (a restart): the same pieces; another key reads none of them.
  spool->reset();
  auto again = Spool::Open(dir.path(), key, 1 << 20);
  EXPECT_THAT((*again)->Waiting(), ElementsAre(first, second));
  EXPECT_EQ((*again)->Read(second)->audio, Audio('b', 4000));
  auto stranger = Spool::Open(dir.path(), NewDataKey(), 1 << 20);
  EXPECT_FALSE((*stranger)->Read(first).ok());

  ASSERT_TRUE((*again)->Remove(first).ok());
  EXPECT_THAT((*again)->Waiting(), ElementsAre(second));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / (first + ".piece")));
  EXPECT_EQ((*again)->Remove(first).code(), ErrorCode::kNotFound);
}

TEST(SpoolTest, PiecesAddedWithinOneMillisecondKeepTheirOrderAcrossARestart) {
  testing::TempDir dir;
  std::string key = NewDataKey();
  std::vector<std::string> ids;
  {
    auto spool = std::move(Spool::Open(dir.path(), key, 1 << 20).value());
    for (int i = 0; i < 20; ++i) ids.push_back(*spool->Add(kMorning, "audio/wav", Audio('a', 10)));
    EXPECT_EQ(spool->Waiting(), ids);
  }
  auto reopened = std::move(Spool::Open(dir.path(), key, 1 << 20).value());
  ids.push_back(*reopened->Add(kMorning, "audio/wav", Audio('b', 10)));
  EXPECT_EQ(reopened->Waiting(), ids) << "a piece added after a restart comes after the earlier ones";
}

TEST(SpoolTest, AHalfWrittenPieceLeftByACrashIsIgnoredAndCleanedUp) {
  testing::TempDir dir;
  std::string key = NewDataKey();
  std::string kept = *(*Spool::Open(dir.path(), key, 1 << 20))->Add(kMorning, "audio/wav", Audio('a', 100));
  std::ofstream(dir.path() / ("0190aaaa-0000-7000-8000-000000000000.piece.tmp")) << "half a pie";
  auto spool = Spool::Open(dir.path(), key, 1 << 20);
  EXPECT_THAT((*spool)->Waiting(), ElementsAre(kept));
  EXPECT_EQ(testing::FilesUnder(dir.path()), 1u) << "the temporary file is gone";
}

TEST(SpoolTest, PastItsBoundTheOldestPiecesAreDroppedAndCounted) {
  testing::TempDir dir;
  auto spool = std::move(Spool::Open(dir.path(), NewDataKey(), 10'000).value());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(*spool->Add(AddSeconds(kMorning, 30 * i), "audio/wav", Audio('x', 2900)));
  SpoolStats full = spool->Stats();
  EXPECT_EQ(full.pieces, 3) << "three sealed pieces of ~3 KB fit in 10 KB, the fourth pushed the first out";
  EXPECT_EQ(full.dropped, 1);
  EXPECT_LE(full.bytes, 10'000u);
  EXPECT_THAT(spool->Waiting(), ElementsAre(ids[1], ids[2], ids[3]));
  EXPECT_FALSE(spool->Add(kMorning, "audio/wav", Audio('x', 20'000)).ok()) << "a piece larger than the whole spool";
  EXPECT_EQ(spool->Stats().pieces, 3) << "and nothing was dropped for it";
}

TEST(SpoolTest, ARejectedPieceIsKeptAsideNotDeleted) {
  testing::TempDir dir;
  std::string key = NewDataKey();
  auto spool = std::move(Spool::Open(dir.path(), key, 1 << 20).value());
  std::string id = *spool->Add(kMorning, "audio/wav", Audio('a', 100));
  ASSERT_TRUE(spool->Reject(id).ok());
  EXPECT_TRUE(spool->Waiting().empty());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "rejected" / (id + ".piece")));
  EXPECT_EQ(spool->Stats().rejected, 1);
  EXPECT_EQ((*Spool::Open(dir.path(), key, 1 << 20))->Stats().rejected, 1) << "counted across a restart";
}

}  // namespace
}  // namespace reflexio
