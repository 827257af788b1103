// CircuitBreaker: stop calling a dependency that keeps failing. After `failures` consecutive
// failures the circuit opens for `cooldown_s` (Allow() is false); once that has passed one call
// is let through, and its outcome closes the circuit again or reopens it. Thread-safe.
#pragma once

#include "core/mutex.h"

#include "core/time.h"

namespace reflexio {

class CircuitBreaker {
 public:
  CircuitBreaker(int failures, double cooldown_s, const Clock& clock = SystemClock::Instance())
      : failures_(failures), cooldown_s_(cooldown_s), clock_(&clock) {}
  CircuitBreaker(const CircuitBreaker& other)
      : failures_(other.failures_), cooldown_s_(other.cooldown_s_), clock_(other.clock_) {}

  bool Allow() const;
  bool IsOpen() const { return !Allow(); }
  void RecordSuccess();
  // True when this failure opened the circuit.
  bool RecordFailure();
  int consecutive_failures() const;

 private:
  int failures_;
  double cooldown_s_;
  const Clock* clock_;
  mutable Mutex mutex_;
  int consecutive_failures_ GUARDED_BY(mutex_) = 0;
  TimePoint open_until_ GUARDED_BY(mutex_){};
};

}  // namespace reflexio
