// The listener's spool and uploader against the real server: pieces of real speech reach it once
// each, with their capture times, through a lost answer and a server crash.
#include <gtest/gtest.h>

#include <set>

#include "core/test_support.h"
#include "crypto/keys.h"
#include "edge/spool.h"
#include "edge/uploader.h"
#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

TEST(Listener, SpooledPiecesReachTheServerOnceWithTheirCaptureTimesThroughALostAnswerAndACrash) {
  TempDir dir;
  auto first = std::make_unique<ServerProcess>(dir / "data");
  std::string key = first->first_run_key();
  Client client(first->base_url(), key);
  auto spool = std::move(Spool::Open(dir / "spool", NewDataKey(), 64 << 20).value());
  TimePoint now = SystemClock::Instance().Now();
  std::map<std::string, TimePoint> captured;  // piece id → capture time
  int minutes_ago = 10;
  for (const char* file : {"LJ001-0001.wav", "LJ001-0002.wav", "p225_001_mic1.flac"}) {
    TimePoint at = AddSeconds(now, -60.0 * minutes_ago--);
    auto id = spool->Add(at, TypeFor(file), ReadFileBytes((SpeechDir() / file).string()));
    ASSERT_TRUE(id.ok()) << id.status().message();
    captured[*id] = at;
  }
  // The second piece went out once before, but its answer was lost: the server has it, the
  // spool does not know.
  std::string lost = spool->Waiting()[1];
  SpooledPiece piece = *spool->Read(lost);
  auto earlier = client.Upload(piece.audio, piece.content_type,
                               {{"X-Captured-At", FormatRfc3339(piece.captured_at)}, {"Idempotency-Key", lost}});
  ASSERT_EQ(earlier.status, 202) << earlier.body;

  CurlHttpClient http;
  PieceUploader uploader(*spool, http, {.server_url = first->base_url(), .api_key = key});
  UploadRound round = uploader.SendWaiting();
  EXPECT_EQ(round.sent, 3) << round.last_error;
  EXPECT_TRUE(spool->Waiting().empty());

  // The server crashes; a piece recorded meanwhile waits in the spool and goes once it is back.
  first->Kill();
  TimePoint during = AddSeconds(now, -60);
  std::string waiting = *spool->Add(during, "audio/wav", ReadFileBytes((SpeechDir() / "LJ001-0003.wav").string()));
  captured[waiting] = during;
  UploadRound refused = uploader.SendWaiting();
  EXPECT_EQ(refused.sent, 0);
  EXPECT_TRUE(refused.retry_in_s.has_value());
  EXPECT_EQ(spool->Waiting(), std::vector<std::string>{waiting});
  ServerProcess second(dir / "data");
  PieceUploader again(*spool, http, {.server_url = second.base_url(), .api_key = key});
  EXPECT_EQ(again.SendWaiting().sent, 1);
  EXPECT_TRUE(spool->Waiting().empty());

  Client after(second.base_url(), key);
  json recordings = after.GetJson("/v1/recordings")["items"];
  ASSERT_EQ(recordings.size(), 4u) << "each piece once: " << recordings.dump();
  std::set<std::string> times;
  for (const json& r : recordings) times.insert(r["captured_at"].get<std::string>());
  for (const auto& [id, at] : captured) {
    EXPECT_TRUE(times.count(FormatRfc3339(at))) << "the capture time of " << id << " is kept: " << recordings.dump();
  }
  for (const json& r : recordings) EXPECT_EQ(after.WaitForRecording(r["id"])["status"], "transcribed");
}

}  // namespace
}  // namespace reflexio::testing
