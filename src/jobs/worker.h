// Worker: threads that claim jobs from the Database queue and run a handler on each.
//
// A claimed job is leased; a heartbeat renews the leases of running jobs every third of the
// lease, so a job is only reclaimed by others when its worker is really gone. A failed job is
// retried with exponential backoff (base · 2^(attempt-1), at most 10 minutes) until its
// attempts are used up, then it is dead with its last error. Start/Stop/Notify are thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "core/mutex.h"
#include "storage/job_queue.h"

namespace reflexio {

struct JobOutcome {
  Status status;
  std::string stage;  // where it failed, for metrics and logs
};

struct WorkerOptions {
  int threads = 1;
  double lease_s = 30;
  double retry_base_s = 2;
  double idle_poll_s = 1;  // how often an idle thread looks for due retries
  std::string owner;       // unique per process; generated when empty
};

// How long a job waits after its `attempt`-th failure (1-based): base · 2^(attempt-1), at most
// kMaxRetryBackoffS.
constexpr double kMaxRetryBackoffS = 600;
double RetryBackoffSeconds(double base_s, int attempt);

class Worker {
 public:
  using Handler = std::function<JobOutcome(const Job&)>;
  Worker(JobQueue& jobs, Handler handler, WorkerOptions options, Metrics& metrics);
  ~Worker();

  void Start();
  void Stop();    // finishes the jobs in hand, then returns
  void Notify();  // a job was queued: wake an idle thread

 private:
  void Run();
  void Heartbeat();
  void Handle(const Job& job);

  JobQueue& jobs_;
  Handler handler_;
  WorkerOptions options_;
  Metrics& metrics_;
  Mutex mutex_;
  std::condition_variable_any wake_;
  std::condition_variable_any heartbeat_wake_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  int pending_notifications_ GUARDED_BY(mutex_) = 0;
  std::map<int64_t, Job> active_ GUARDED_BY(mutex_);  // by job id
  std::vector<std::thread> threads_;  // Start and Stop only
  std::thread heartbeat_;
};

}  // namespace reflexio
