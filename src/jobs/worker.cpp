#include "jobs/worker.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/ids.h"
#include "core/log.h"

namespace reflexio {

double RetryBackoffSeconds(double base_s, int attempt) {
  return std::min(kMaxRetryBackoffS, base_s * std::pow(2.0, std::max(0, attempt - 1)));
}

Worker::Worker(JobQueue& jobs, Handler handler, WorkerOptions options, Metrics& metrics)
    : jobs_(jobs), handler_(std::move(handler)), options_(std::move(options)), metrics_(metrics) {
  if (options_.owner.empty()) options_.owner = "worker-" + NewId();
}

Worker::~Worker() { Stop(); }

void Worker::Start() {
  MutexLock lock(mutex_);
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { Run(); });
  heartbeat_ = std::thread([this] { Heartbeat(); });
}

void Worker::Stop() {
  {
    MutexLock lock(mutex_);
    if (threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  heartbeat_wake_.notify_all();
  for (auto& t : threads_) t.join();
  heartbeat_.join();
  threads_.clear();
}

void Worker::Notify() {
  {
    MutexLock lock(mutex_);
    ++pending_notifications_;
  }
  wake_.notify_one();
}

void Worker::Run() {
  while (true) {
    {
      MutexLock lock(mutex_);
      if (stopping_) return;
    }
    auto claimed = jobs_.ClaimJob(options_.owner, options_.lease_s);
    if (!claimed.ok()) {
      LOG_ERROR("cannot claim jobs: " << claimed.status().ToString());
    } else if (claimed->has_value()) {
      Handle(**claimed);
      continue;
    }
    MutexLock lock(mutex_);
    auto deadline = DeadlineAfter(options_.idle_poll_s);
    while (!stopping_ && pending_notifications_ == 0 && lock.WaitUntil(wake_, deadline)) {
    }
    if (pending_notifications_ > 0) --pending_notifications_;
  }
}

void Worker::Handle(const Job& job) {
  if (job.lease_expired) {
    metrics_.CountLeaseExpiry();
    LOG_WARN("job " << job.id << " reclaimed: the worker that held it stopped renewing its lease");
  }
  {
    MutexLock lock(mutex_);
    active_[job.id] = job;
  }
  auto started = std::chrono::steady_clock::now();
  JobOutcome outcome;
  try {
    outcome = handler_(job);
  } catch (const std::exception& e) {
    // A handler should not throw; if it does, the job fails like any other error.
    outcome = {Internal(std::string("unexpected exception: ") + e.what()), "internal"};
  }
  {
    MutexLock lock(mutex_);
    active_.erase(job.id);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<LogField> fields = {{"job", job.id},
                                  {"kind", job.kind},
                                  {"recording", job.recording_id},
                                  {"tenant", job.tenant_id},
                                  {"attempt", int64_t{job.attempts}},
                                  {"max_attempts", int64_t{job.max_attempts}},
                                  {"duration_ms", std::round(seconds * 1e6) / 1e3}};
  if (outcome.status.ok()) {
    metrics_.CountJobCompleted();
    fields.push_back({"outcome", std::string("done")});
    LogEvent(LogLevel::kInfo, "job", fields);
    return;
  }
  metrics_.CountJobFailure(outcome.stage);
  double backoff = RetryBackoffSeconds(options_.retry_base_s, job.attempts);
  fields.push_back({"outcome", std::string(job.attempts >= job.max_attempts ? "dead" : "retry")});
  fields.push_back({"stage", outcome.stage});
  fields.push_back({"error", outcome.status.message()});
  LogEvent(LogLevel::kWarn, "job failed", fields);
  Status recorded = jobs_.FailJob(job, outcome.stage + ": " + outcome.status.message(), backoff);
  if (!recorded.ok()) {
    LOG_ERROR("cannot record failure of job " << job.id << ": " << recorded.ToString());
  } else if (job.attempts >= job.max_attempts) {
    metrics_.CountJobDead();
  } else {
    metrics_.CountJobRetry();
  }
}

void Worker::Heartbeat() {
  while (true) {
    std::map<int64_t, Job> active;
    {
      MutexLock lock(mutex_);
      auto deadline = DeadlineAfter(options_.lease_s / 3);
      while (!stopping_ && lock.WaitUntil(heartbeat_wake_, deadline)) {
      }
      if (stopping_) return;
      active = active_;
    }
    for (const auto& [id, job] : active) {  // renewed without the lock: the database may be slow
      Status renewed = jobs_.RenewLease(job, options_.lease_s);
      if (!renewed.ok()) LOG_WARN("job " << id << ": " << renewed.message());
    }
  }
}

}  // namespace reflexio
