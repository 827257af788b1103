// EpisodeBuilder over each backend: segments grouped into conversations by capture time.
#include <gtest/gtest.h>

#include "core/ids.h"
#include "core/test_support.h"
#include "storage/postgres_database.h"
#include "storage/sqlite_database.h"
#include "storage/testing/postgres_fixture.h"
#include "understanding/episodes.h"

namespace reflexio {
namespace {

// Episodes over each backend, with capture times chosen by the test and a clock it moves.
class EpisodeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      pg_ = std::make_unique<reflexio::testing::PostgresTestDatabase>();
      db_ = PostgresDatabase::Open(pg_->app_url(), 2, EmbeddedPostgresMigrations(), clock_).value();
    } else {
      db_ = SqliteDatabase::Open(dir_ / "reflexio.db", EmbeddedSqliteMigrations(), clock_).value();
    }
    tenant_ = db_->EnsureTenant("t").value();
  }
  // One recording captured `at_s` seconds from the clock's now, one segment per span.
  std::string Record(double at_s, std::vector<std::pair<double, double>> spans, std::string quality = "trusted") {
    Recording r;
    r.tenant_id = tenant_.id;
    r.id = NewId();
    r.content_type = "audio/flac";
    r.body_sha256 = "00";
    r.captured_at = r.received_at = FromUnixSeconds(clock_.seconds() + at_s);
    r.source_path = "incoming/x";
    EXPECT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
    auto job = db_->ClaimJob("w", 30);
    Transcription t;
    for (size_t i = 0; i < spans.size(); ++i) {
      Segment s;
      s.seq = static_cast<int>(i);
      s.start_s = spans[i].first;
      s.end_s = spans[i].second;
      s.captured_at = AddSeconds(r.captured_at, s.start_s);
      s.text = "words";
      s.quality = quality;
      t.segments.push_back(s);
    }
    EXPECT_TRUE(db_->CompleteTranscription(**job, t).ok());
    return r.id;
  }
  std::vector<Episode> Episodes() {
    auto page = db_->ListEpisodes(tenant_.id, {}, 100, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<Episode> oldest_first(page->items.rbegin(), page->items.rend());
    return oldest_first;
  }

  reflexio::testing::TempDir dir_;
  reflexio::testing::FakeClock clock_;
  std::unique_ptr<reflexio::testing::PostgresTestDatabase> pg_;
  std::unique_ptr<Database> db_;
  Tenant tenant_;
};

TEST_P(EpisodeTest, SegmentsJoinWhileGapsStayShortAndEpisodesCloseAfterQuiet) {
  EpisodeBuilder builder(PlainStores(*db_), 90, clock_);
  // A talk across two recordings (gap 60 s), then 10 minutes later another one; a garbage segment
  // in between joins nothing.
  Record(-3600, {{0, 20}, {30, 50}});
  Record(-3600 + 110, {{0, 15}});
  Record(-3600 + 300, {{0, 5}}, "garbage");
  Record(-3600 + 725, {{0, 10}});
  auto report = builder.Run();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->segments_assigned, 4);
  EXPECT_EQ(report->episodes_opened, 2);
  auto episodes = Episodes();
  ASSERT_EQ(episodes.size(), 2u);
  EXPECT_EQ(episodes[0].segments, 3);
  EXPECT_EQ(ToUnixSeconds(episodes[0].started_at), clock_.seconds() - 3600);
  EXPECT_EQ(ToUnixSeconds(episodes[0].ended_at), clock_.seconds() - 3600 + 125);
  EXPECT_EQ(episodes[1].segments, 1);
  EXPECT_EQ(report->episodes_closed, 0) << "long ago in capture time, but they only just arrived";
  clock_.Advance(91);
  EXPECT_EQ(builder.Run()->episodes_closed, 2) << "quiet for 90 s in both capture and arrival time";
  EXPECT_EQ(Episodes()[0].state, EpisodeState::kClosed);

  // Live: a segment now opens an episode that stays open while speech continues.
  Record(-30, {{0, 20}});
  ASSERT_TRUE(builder.Run().ok());
  auto live = Episodes();
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live[2].state, EpisodeState::kOpen);
  clock_.Advance(60);
  Record(-60 + 5, {{0, 10}});  // 35 s after the previous one ended: same conversation
  ASSERT_TRUE(builder.Run().ok());
  live = Episodes();
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live[2].segments, 2);
  EXPECT_EQ(live[2].state, EpisodeState::kOpen);
  clock_.Advance(120);  // quiet for longer than the gap
  auto closing = builder.Run();
  EXPECT_EQ(closing->episodes_closed, 1);
  EXPECT_EQ(Episodes()[2].state, EpisodeState::kClosed);
  EXPECT_EQ(builder.Run()->segments_assigned, 0) << "nothing assigned twice";

  // A late upload for a closed conversation starts its own episode instead of reopening it.
  Record(-3600 - 91 + 130, {{0, 5}});
  auto late = builder.Run();
  EXPECT_EQ(late->episodes_opened, 1);
  EXPECT_EQ(Episodes()[0].segments, 3);
}

TEST_P(EpisodeTest, AnEpisodeWaitsForRecordingsStillBeingTranscribed) {
  EpisodeBuilder builder(PlainStores(*db_), 90, clock_);
  Record(-1000, {{0, 10}});
  Recording pending;  // captured 30 s after that one ended, uploaded, not transcribed yet
  pending.tenant_id = tenant_.id;
  pending.id = NewId();
  pending.content_type = "audio/flac";
  pending.body_sha256 = "00";
  pending.captured_at = pending.received_at = FromUnixSeconds(clock_.seconds() - 1000 + 40);
  pending.source_path = "incoming/y";
  ASSERT_TRUE(db_->InsertRecording(pending, "transcribe", 3).ok());
  ASSERT_TRUE(builder.Run().ok());
  clock_.Advance(600);
  EXPECT_EQ(builder.Run()->episodes_closed, 0) << "quiet in both times, but its continuation is queued";
  auto job = db_->ClaimJob("w", 30);
  ASSERT_TRUE(job.ok() && job->has_value());
  Transcription t;
  Segment s;
  s.start_s = 0;
  s.end_s = 5;
  s.captured_at = pending.captured_at;
  s.text = "words";
  t.segments.push_back(s);
  ASSERT_TRUE(db_->CompleteTranscription(**job, t).ok());
  ASSERT_TRUE(builder.Run().ok());
  auto episodes = Episodes();
  ASSERT_EQ(episodes.size(), 1u);
  EXPECT_EQ(episodes[0].segments, 2) << "the late transcription joined the same conversation";
  clock_.Advance(91);
  EXPECT_EQ(builder.Run()->episodes_closed, 1);
}

TEST_P(EpisodeTest, ConversationsGroupWhateverOrderTheirRecordingsAreTranscribedIn) {
  EpisodeBuilder builder(PlainStores(*db_), 30, clock_);
  // Parallel workers finish the second half of a conversation first, and a later conversation
  // opens before the first half arrives: the first half still finds its own episode.
  Record(-600 + 14, {{0, 2}});
  Record(-300, {{0, 10}});
  ASSERT_TRUE(builder.Run().ok());
  ASSERT_EQ(Episodes().size(), 2u);
  Record(-600, {{0, 9.7}});
  ASSERT_TRUE(builder.Run().ok());
  auto episodes = Episodes();
  ASSERT_EQ(episodes.size(), 2u);
  EXPECT_EQ(episodes[0].segments, 2);
  EXPECT_DOUBLE_EQ(ToUnixSeconds(episodes[0].started_at), clock_.seconds() - 600);
  EXPECT_EQ(episodes[1].segments, 1);
}

TEST_P(EpisodeTest, DeletingRecordingsKeepsEpisodeCountsTrue) {
  EpisodeBuilder builder(PlainStores(*db_), 90, clock_);
  std::string first = Record(-1000, {{0, 10}});
  std::string second = Record(-1000 + 20, {{0, 10}});
  ASSERT_TRUE(builder.Run().ok());
  ASSERT_EQ(Episodes().at(0).segments, 2);
  ASSERT_TRUE(db_->DeleteRecording(tenant_.id, first).ok());
  EXPECT_EQ(Episodes().at(0).segments, 1);
  ASSERT_TRUE(db_->DeleteRecording(tenant_.id, second).ok());
  EXPECT_TRUE(Episodes().empty()) << "an emptied episode goes";
  EXPECT_FALSE(db_->GetEpisode(tenant_.id, "nope")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, EpisodeTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflexio
