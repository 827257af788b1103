// JobQueue: the work waiting to be done, leased to one worker at a time. Claims span tenants
// (a worker serves them all); a job carries its tenant, and completing it is TranscriptStore's
// CompleteTranscription. Implementations are thread-safe and safe across processes: two
// workers never hold one job's lease at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "model/recording.h"

namespace reflexio {

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Leases the oldest runnable job (queued and due, or running with an expired lease) and marks
  // its recording processing.
  virtual Result<std::optional<Job>> ClaimJob(const std::string& owner, double lease_s) = 0;
  virtual Status RenewLease(const Job& job, double lease_s) = 0;
  // Retries after `retry_in_s`, or — when attempts are used up — marks the job dead and the
  // recording failed with `error`.
  virtual Status FailJob(const Job& job, const std::string& error, double retry_in_s) = 0;
  // Returns every running job to the queue; only for a process that knows it is the sole worker.
  virtual Result<int64_t> ReleaseAllLeases() = 0;
  virtual Result<QueueStats> GetQueueStats() = 0;
  // Health: can a write transaction be started right now?
  virtual Status CheckWritable() = 0;
};

}  // namespace reflexio
