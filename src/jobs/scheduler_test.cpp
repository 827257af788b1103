#include "jobs/scheduler.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/ids.h"
#include "core/test_support.h"
#include "storage/sqlite_database.h"

namespace reflexio {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, OnlyTheLockHolderWorksAndAnotherTakesOverWhenItStops) {
  testing::TempDir dir;
  auto db = SqliteDatabase::Open(dir / "db", EmbeddedSqliteMigrations()).value();
  Tenant tenant = db->EnsureTenant("t").value();
  Recording r;
  r.tenant_id = tenant.id;
  r.id = NewId();
  r.content_type = "audio/wav";
  r.body_sha256 = "x";
  r.captured_at = r.received_at = SystemClock::Instance().Now();
  r.source_path = "x";
  ASSERT_TRUE(db->InsertRecording(r, "transcribe", 3).ok());

  auto first_lock = MakeSchedulerLock("", dir.path().string());
  auto second_lock = MakeSchedulerLock("", dir.path().string());
  auto first = std::make_unique<Scheduler>(*db, *first_lock, SchedulerOptions{0.05});
  Scheduler second(*db, *second_lock, {0.05});
  first->Start();
  std::this_thread::sleep_for(200ms);
  second.Start();
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(first->active());
  EXPECT_FALSE(second.active()) << "exactly one scheduler is active";
  std::string today = FormatRfc3339(SystemClock::Instance().Now()).substr(0, 10);
  auto usage = db->GetDailyUsage(tenant.id, today);
  ASSERT_TRUE(usage.ok() && usage->has_value()) << "the active scheduler rolled up today's usage";
  EXPECT_EQ((*usage)->uploads, 1);

  first->Stop();
  first.reset();
  first_lock.reset();  // the process holding it is gone
  for (int i = 0; i < 100 && !second.active(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(second.active()) << "the standby took over";
  second.Stop();
}

TEST(Scheduler, TimedTasksRunFirstAtOnceThenOnlyWhenDue) {
  testing::TempDir dir;
  auto db = SqliteDatabase::Open(dir / "db", EmbeddedSqliteMigrations()).value();
  auto lock = MakeSchedulerLock("", dir.path().string());
  int hourly = 0, failing = 0;
  SchedulerOptions options{60, {}};
  options.tasks.push_back({"hourly", 3600, [&] { ++hourly; return Status::Ok(); }});
  options.tasks.push_back({"failing", 60, [&] { ++failing; return Unavailable("down"); }});
  testing::FakeClock clock;
  Scheduler scheduler(*db, *lock, options, clock);
  EXPECT_FALSE(scheduler.RunOnce().ok()) << "a failing task is reported";
  EXPECT_EQ(hourly, 1);
  clock.Advance(1800);
  (void)scheduler.RunOnce();
  EXPECT_EQ(hourly, 1) << "not due yet";
  EXPECT_EQ(failing, 2) << "the other task keeps its own interval, and a failure does not stop it";
  clock.Advance(1800);
  (void)scheduler.RunOnce();
  EXPECT_EQ(hourly, 2);
}

}  // namespace
}  // namespace reflexio
