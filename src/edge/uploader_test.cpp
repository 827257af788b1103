#include "edge/uploader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "core/mutex.h"
#include "core/test_support.h"
#include "core/testing/local_http_peer.h"
#include "crypto/keys.h"

namespace reflexio {
namespace {

using testing::LocalHttpPeer;
using testing::PeerRequest;
using testing::PeerResponse;

const TimePoint kMorning = *ParseRfc3339("2026-12-07T07:10:00.250Z");

// A server that answers each upload from a script (202 once the script runs out) and keeps what
// it was sent.
class ScriptedServer {
 public:
  ScriptedServer() : peer_([this](const PeerRequest& r) { return Answer(r); }) {}
  void Script(std::deque<PeerResponse> answers) {
    MutexLock lock(mutex_);
    answers_ = std::move(answers);
  }
  std::vector<PeerRequest> received() const {
    MutexLock lock(mutex_);
    return received_;
  }
  std::string url() const { return peer_.base_url(); }

 private:
  PeerResponse Answer(const PeerRequest& request) {
    MutexLock lock(mutex_);
    received_.push_back(request);
    if (answers_.empty()) return {202, R"({"id":"r"})"};
    PeerResponse next = answers_.front();
    answers_.pop_front();
    return next;
  }
  mutable Mutex mutex_;
  std::deque<PeerResponse> answers_ GUARDED_BY(mutex_);
  std::vector<PeerRequest> received_ GUARDED_BY(mutex_);
  LocalHttpPeer peer_;
};

class UploaderTest : public ::testing::Test {
 protected:
  void SetUp() override { spool_ = std::move(Spool::Open(dir_.path(), NewDataKey(), 1 << 20).value()); }
  UploaderOptions Options(const std::string& url) {
    return {.server_url = url + "/", .api_key = "rfx_test_key", .backoff_base_s = 2, .backoff_max_s = 60,
            .random01 = [] { return 1.0; }};
  }
  testing::TempDir dir_;
  std::unique_ptr<Spool> spool_;
  CurlHttpClient http_;
};

TEST_F(UploaderTest, EachPieceGoesWithItsCaptureTimeAndKeyAndLeavesOnlyAfterThe202) {
  ScriptedServer server;
  std::string first = *spool_->Add(kMorning, "audio/wav", "RIFF first");
  std::string second = *spool_->Add(AddSeconds(kMorning, 42), "audio/ogg", "OggS second");
  server.Script({{503, R"({"error":{"code":"unavailable","message":"starting"}})"}});
  PieceUploader uploader(*spool_, http_, Options(server.url()));

  UploadRound failed = uploader.SendWaiting();
  EXPECT_EQ(failed.sent, 0);
  ASSERT_TRUE(failed.retry_in_s.has_value());
  EXPECT_DOUBLE_EQ(*failed.retry_in_s, 2) << "the first backoff";
  EXPECT_THAT(failed.last_error, ::testing::HasSubstr("503: starting"));
  EXPECT_EQ(spool_->Waiting().size(), 2u) << "nothing leaves on a 503";

  UploadRound sent = uploader.SendWaiting();
  EXPECT_EQ(sent.sent, 2);
  EXPECT_FALSE(sent.retry_in_s.has_value());
  EXPECT_TRUE(spool_->Waiting().empty());
  auto received = server.received();
  ASSERT_EQ(received.size(), 3u);
  const PeerRequest& retried = received[1];
  EXPECT_EQ(retried.method, "POST");
  EXPECT_EQ(retried.target, "/v1/recordings");
  EXPECT_EQ(retried.Header("authorization"), "Bearer rfx_test_key");
  EXPECT_EQ(retried.Header("x-captured-at"), "2026-12-07T07:10:00.250Z") << "the capture clock, not the upload's";
  EXPECT_EQ(retried.Header("idempotency-key"), first);
  EXPECT_EQ(retried.Header("idempotency-key"), received[0].Header("idempotency-key")) << "the same key when sent again";
  EXPECT_EQ(retried.body, "RIFF first");
  EXPECT_EQ(received[2].Header("content-type"), "audio/ogg");
  EXPECT_EQ(received[2].Header("idempotency-key"), second);
  EXPECT_EQ(received[2].Header("x-captured-at"), "2026-12-07T07:10:42.250Z");
  EXPECT_TRUE(uploader.last_upload().has_value());
}

TEST_F(UploaderTest, FailuresBackOffExponentiallyWithJitterUpToTheMaximumAndRetryAfterIsHonoured) {
  ASSERT_TRUE(spool_->Add(kMorning, "audio/wav", "RIFF").ok());
  // Nothing listens here: every try fails in transport.
  double draw = 1.0;
  UploaderOptions options = Options("http://127.0.0.1:9");
  options.random01 = [&draw] { return draw; };
  PieceUploader uploader(*spool_, http_, options);
  std::vector<double> waits;
  for (int i = 0; i < 7; ++i) waits.push_back(*uploader.SendWaiting().retry_in_s);
  EXPECT_THAT(waits, ::testing::ElementsAre(2, 4, 8, 16, 32, 60, 60));
  draw = 0.0;
  EXPECT_DOUBLE_EQ(*uploader.SendWaiting().retry_in_s, 30) << "jitter takes up to half off";

  ScriptedServer server;
  server.Script({{429, R"({"error":{"code":"rate_limited","message":"slow down"}})", "application/json",
                  {{"Retry-After", "17"}}},
                 {503, R"({"error":{"code":"unavailable","message":"later"}})", "application/json",
                  {{"Retry-After", "9000"}}}});
  PieceUploader polite(*spool_, http_, Options(server.url()));
  EXPECT_DOUBLE_EQ(*polite.SendWaiting().retry_in_s, 17) << "the server's Retry-After";
  EXPECT_DOUBLE_EQ(*polite.SendWaiting().retry_in_s, 60) << "but never past the longest backoff";
  EXPECT_EQ(spool_->Waiting().size(), 1u);
}

TEST_F(UploaderTest, OverTheFreeMinutesEverythingWaitsForTheResetTime) {
  ScriptedServer server;
  ASSERT_TRUE(spool_->Add(kMorning, "audio/wav", "RIFF").ok());
  testing::FakeClock clock;
  std::string resets_at = FormatRfc3339(AddSeconds(clock.Now(), 5400));
  server.Script({{402, R"({"error":{"code":"quota_exceeded","message":"today's minutes are used","details":{"resets_at":")" +
                           resets_at + R"("}}})"}});
  PieceUploader uploader(*spool_, http_, Options(server.url()), clock);
  UploadRound round = uploader.SendWaiting();
  ASSERT_TRUE(round.retry_in_s.has_value());
  EXPECT_NEAR(*round.retry_in_s, 5400, 1);
  EXPECT_EQ(spool_->Waiting().size(), 1u) << "kept for after the reset";
}

TEST_F(UploaderTest, APieceTheServerWillNeverTakeIsSetAsideAndTheNextGoes) {
  ScriptedServer server;
  std::string bad = *spool_->Add(kMorning, "audio/wav", "not audio at all");
  std::string good = *spool_->Add(AddSeconds(kMorning, 30), "audio/wav", "RIFF");
  server.Script({{422, R"({"error":{"code":"unprocessable_audio","message":"no audio stream"}})"}});
  PieceUploader uploader(*spool_, http_, Options(server.url()));
  UploadRound round = uploader.SendWaiting();
  EXPECT_EQ(round.rejected, 1);
  EXPECT_EQ(round.sent, 1);
  EXPECT_TRUE(spool_->Waiting().empty());
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "rejected" / (bad + ".piece"))) << "kept, not deleted";
  EXPECT_EQ(server.received().back().Header("idempotency-key"), good);
}

TEST_F(UploaderTest, ARefusedKeyWaitsTheLongestBackoffAndLosesNothing) {
  ScriptedServer server;
  ASSERT_TRUE(spool_->Add(kMorning, "audio/wav", "RIFF").ok());
  server.Script({{401, R"({"error":{"code":"invalid_api_key","message":"unknown API key"}})"}});
  PieceUploader uploader(*spool_, http_, Options(server.url()));
  UploadRound round = uploader.SendWaiting();
  EXPECT_DOUBLE_EQ(*round.retry_in_s, 60);
  EXPECT_THAT(round.last_error, ::testing::HasSubstr("401"));
  EXPECT_EQ(spool_->Waiting().size(), 1u);
}

}  // namespace
}  // namespace reflexio
