#include "jobs/worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "core/test_support.h"
#include "storage/sqlite_database.h"

namespace reflexio {
namespace {

using namespace std::chrono_literals;

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = SqliteDatabase::Open(dir_ / "db", EmbeddedSqliteMigrations()).value();
    tenant_ = db_->EnsureTenant("t").value();
  }
  std::string Enqueue(int max_attempts) {
    Recording r;
    r.tenant_id = tenant_.id;
    r.id = NewId();
    r.content_type = "audio/wav";
    r.body_sha256 = "x";
    r.captured_at = r.received_at = SystemClock::Instance().Now();
    r.source_path = "x";
    EXPECT_TRUE(db_->InsertRecording(r, "transcribe", max_attempts).ok());
    return r.id;
  }
  RecordingStatus StatusOf(const std::string& id) { return (*db_->GetRecording(tenant_.id, id))->status; }
  bool WaitFor(const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(10ms);
    return done();
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
  Tenant tenant_;
  Metrics metrics_;
};

TEST_F(WorkerTest, RetriesAFailedJobThenCompletesIt) {
  std::string id = Enqueue(3);
  std::atomic<int> calls{0};
  Worker worker(*db_, [&](const Job& job) -> JobOutcome {
    if (++calls == 1) return {Unavailable("engine warming up"), "asr"};
    Transcription t;
    t.engine = "test";
    return {db_->CompleteTranscription(job, t), "store"};
  }, {.threads = 2, .lease_s = 30, .retry_base_s = 0.05, .idle_poll_s = 0.02}, metrics_);
  worker.Start();
  EXPECT_TRUE(WaitFor([&] { return StatusOf(id) == RecordingStatus::kTranscribed; }));
  worker.Stop();
  EXPECT_EQ(calls.load(), 2);
  EXPECT_NE(metrics_.Serialize().find("reflexio_job_failures_total{stage=\"asr\"} 1"), std::string::npos);
  EXPECT_NE(metrics_.Serialize().find("reflexio_job_retries_total 1"), std::string::npos);
  EXPECT_NE(metrics_.Serialize().find("reflexio_jobs_dead_total 0"), std::string::npos);
}

TEST(RetryBackoff, DoublesFromTheBaseUpToTenMinutes) {
  EXPECT_DOUBLE_EQ(RetryBackoffSeconds(2, 1), 2);
  EXPECT_DOUBLE_EQ(RetryBackoffSeconds(2, 2), 4);
  EXPECT_DOUBLE_EQ(RetryBackoffSeconds(2, 5), 32);
  EXPECT_DOUBLE_EQ(RetryBackoffSeconds(2, 9), 512);
  EXPECT_DOUBLE_EQ(RetryBackoffSeconds(2, 10), 600) << "1024 s is capped";
  EXPECT_DOUBLE_EQ(RetryBackoffSeconds(2, 60), 600);
}

// The worker waits that long between attempts: never sooner (the lower bounds are exact, the
// retry may come later on a busy machine).
TEST_F(WorkerTest, WaitsTheBackoffBetweenAttempts) {
  std::string id = Enqueue(3);
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> attempts;
  Worker worker(*db_, [&](const Job&) -> JobOutcome {
    std::lock_guard lock(mutex);
    attempts.push_back(std::chrono::steady_clock::now());
    return {Unavailable("still down"), "asr"};
  }, {.threads = 1, .lease_s = 30, .retry_base_s = 0.25, .idle_poll_s = 0.02}, metrics_);
  worker.Start();
  EXPECT_TRUE(WaitFor([&] { return StatusOf(id) == RecordingStatus::kFailed; }));
  worker.Stop();
  ASSERT_EQ(attempts.size(), 3u);
  auto gap = [&](int i) { return std::chrono::duration<double>(attempts[i + 1] - attempts[i]).count(); };
  EXPECT_GE(gap(0), RetryBackoffSeconds(0.25, 1)) << "0.25 s after the first failure";
  EXPECT_GE(gap(1), RetryBackoffSeconds(0.25, 2)) << "0.5 s after the second";
}

TEST_F(WorkerTest, AJobThatAlwaysFailsEndsDeadWithItsError) {
  std::string id = Enqueue(2);
  Worker worker(*db_, [](const Job&) -> JobOutcome { return {Internal("bad audio"), "decode"}; },
                {.threads = 1, .lease_s = 30, .retry_base_s = 0.01, .idle_poll_s = 0.02}, metrics_);
  worker.Start();
  EXPECT_TRUE(WaitFor([&] { return StatusOf(id) == RecordingStatus::kFailed; }));
  worker.Stop();
  auto recording = *db_->GetRecording(tenant_.id, id);
  EXPECT_EQ(recording->error, "decode: bad audio");
  EXPECT_NE(metrics_.Serialize().find("reflexio_jobs_dead_total 1"), std::string::npos);
  EXPECT_EQ(db_->GetQueueStats()->dead, 1);
}

TEST_F(WorkerTest, HeartbeatKeepsTheLeaseOfALongJob) {
  std::string id = Enqueue(3);
  std::atomic<bool> release{false};
  Worker worker(*db_, [&](const Job& job) -> JobOutcome {
    while (!release) std::this_thread::sleep_for(10ms);
    return {db_->CompleteTranscription(job, Transcription{}), "store"};
  }, {.threads = 1, .lease_s = 0.3, .retry_base_s = 1, .idle_poll_s = 0.02}, metrics_);
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return StatusOf(id) == RecordingStatus::kProcessing; }));
  std::this_thread::sleep_for(1s);  // three lease lengths
  EXPECT_FALSE(db_->ClaimJob("intruder", 30)->has_value()) << "the lease was renewed, not lost";
  release = true;
  EXPECT_TRUE(WaitFor([&] { return StatusOf(id) == RecordingStatus::kTranscribed; }));
  worker.Stop();
}

}  // namespace
}  // namespace reflexio

namespace reflexio {
namespace {

TEST_F(WorkerTest, AJobWhoseWorkerVanishedIsReclaimedAndCounted) {
  std::string id = Enqueue(3);
  ASSERT_TRUE(db_->ClaimJob("ghost-worker", 0.05)->has_value());  // a worker that then dies
  std::this_thread::sleep_for(100ms);
  Worker worker(*db_, [&](const Job& job) -> JobOutcome {
    return {db_->CompleteTranscription(job, Transcription{}), "store"};
  }, {.threads = 1, .lease_s = 30, .retry_base_s = 1, .idle_poll_s = 0.02}, metrics_);
  worker.Start();
  EXPECT_TRUE(WaitFor([&] { return StatusOf(id) == RecordingStatus::kTranscribed; }));
  worker.Stop();
  EXPECT_NE(metrics_.Serialize().find("reflexio_job_lease_expiries_total 1"), std::string::npos);
}

}  // namespace
}  // namespace reflexio
