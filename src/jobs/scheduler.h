// Scheduler: timed work, run by exactly one process at a time.
//
// Any number of schedulers may run (one per machine for availability); each holds a LeaderLock
// attempt, and only the holder works. With PostgreSQL the lock is a session advisory lock, so
// it is released the moment its holder dies; embedded, it is a file lock in the data directory.
// The timed work is the daily usage roll-up (today's and yesterday's totals per tenant,
// idempotent) every round, and the tasks given in the options (retention, hourly) each when it
// is due. Start/Stop/active are thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/file_lock.h"
#include "core/mutex.h"
#include "core/time.h"
#include "storage/usage_ledger.h"

namespace reflexio {

class LeaderLock {
 public:
  virtual ~LeaderLock() = default;
  // True once this process holds the lock (and on every later call while it still does).
  virtual Result<bool> TryAcquire() = 0;
  virtual std::string Describe() const = 0;
};

// flock(2) on a file: one holder among the processes of one machine.
class FileLeaderLock : public LeaderLock {
 public:
  explicit FileLeaderLock(std::string path) : path_(std::move(path)) {}
  Result<bool> TryAcquire() override;
  std::string Describe() const override { return "file lock " + path_; }

 private:
  std::string path_;
  std::optional<FileLock> held_;  // kept once acquired, released on destruction
};

// The lock for this deployment: an advisory lock on PostgreSQL (database_url set), else a file
// lock in the data directory.
std::unique_ptr<LeaderLock> MakeSchedulerLock(const std::string& database_url, const std::string& data_dir);

// Work that runs at most every `every_s` seconds, on the leader only.
struct TimedTask {
  std::string name;
  double every_s = 3600;
  std::function<Status()> run;
};

struct SchedulerOptions {
  double interval_s = 60;
  std::vector<TimedTask> tasks;
};

class Scheduler {
 public:
  Scheduler(UsageLedger& usage, LeaderLock& lock, SchedulerOptions options, const Clock& clock = SystemClock::Instance());
  ~Scheduler();
  void Start();
  void Stop();
  bool active() const { return active_; }
  // One round of timed work, whether or not this process leads (for tests and operators):
  // the roll-up, and every task that is due (all of them on the first round).
  Status RunOnce();

 private:
  void Run();
  UsageLedger& usage_;
  LeaderLock& lock_;
  SchedulerOptions options_;
  const Clock& clock_;
  std::atomic<bool> active_{false};
  std::map<std::string, TimePoint> last_run_;  // by task name; only the scheduler thread or RunOnce
  Mutex mutex_;
  std::condition_variable_any wake_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace reflexio
