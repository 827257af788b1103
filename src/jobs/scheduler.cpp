#include "jobs/scheduler.h"


#include <filesystem>

#include "core/log.h"
#include "storage/postgres_database.h"

namespace reflexio {

Result<bool> FileLeaderLock::TryAcquire() {
  if (!held_) {
    ASSIGN_OR_RETURN(held_, FileLock::TryAcquire(path_));
  }
  return held_.has_value();
}

namespace {
class PostgresLeaderLock : public LeaderLock {
 public:
  explicit PostgresLeaderLock(const std::string& url) : lock_(url, "reflexio-scheduler") {}
  Result<bool> TryAcquire() override { return lock_.TryAcquire(); }
  std::string Describe() const override { return lock_.Describe(); }

 private:
  PostgresAdvisoryLock lock_;
};
}  // namespace

std::unique_ptr<LeaderLock> MakeSchedulerLock(const std::string& database_url, const std::string& data_dir) {
  if (!database_url.empty()) return std::make_unique<PostgresLeaderLock>(database_url);
  return std::make_unique<FileLeaderLock>((std::filesystem::path(data_dir) / "scheduler.lock").string());
}

Scheduler::Scheduler(UsageLedger& usage, LeaderLock& lock, SchedulerOptions options, const Clock& clock)
    : usage_(usage), lock_(lock), options_(options), clock_(clock) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() { thread_ = std::thread([this] { Run(); }); }

void Scheduler::Stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Scheduler::RunOnce() {
  TimePoint now = clock_.Now();
  // Yesterday too: recordings captured late yesterday may have been uploaded after midnight.
  for (TimePoint day : {AddSeconds(now, -86400), now}) {
    std::string date = FormatRfc3339(day).substr(0, 10);
    ASSIGN_OR_RETURN(int64_t tenants, usage_.RollUpDailyUsage(date));
    LOG_DEBUG("usage for " << date << " rolled up for " << tenants << " tenant(s)");
  }
  Status result = Status::Ok();
  for (const TimedTask& task : options_.tasks) {
    auto last = last_run_.find(task.name);
    if (last != last_run_.end() && ToUnixSeconds(now) - ToUnixSeconds(last->second) < task.every_s) continue;
    last_run_[task.name] = now;
    Status ran = task.run();
    if (!ran.ok()) {
      LOG_WARN("scheduled " << task.name << " failed: " << ran.message());
      result = ran;
    }
  }
  return result;
}

void Scheduler::Run() {
  while (true) {
    auto held = lock_.TryAcquire();
    if (!held.ok()) {
      if (active_) LOG_WARN("scheduler lost its lock: " << held.status().message());
      active_ = false;
    } else if (*held && !active_) {
      active_ = true;
      LOG_INFO("scheduler active (holds the " << lock_.Describe() << ")");
    } else if (!*held && !active_) {
      LOG_DEBUG("scheduler standing by: another process holds the " << lock_.Describe());
    }
    if (active_) {
      Status ran = RunOnce();
      if (!ran.ok()) LOG_WARN("scheduled work failed: " << ran.message());
    }
    MutexLock lock(mutex_);
    auto deadline = DeadlineAfter(options_.interval_s);
    while (!stopping_ && lock.WaitUntil(wake_, deadline)) {
    }
    if (stopping_) return;
  }
}

}  // namespace reflexio
