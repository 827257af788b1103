#include "core/circuit_breaker.h"

namespace reflexio {

bool CircuitBreaker::Allow() const {
  MutexLock lock(mutex_);
  return open_until_ <= clock_->Now();
}

void CircuitBreaker::RecordSuccess() {
  MutexLock lock(mutex_);
  consecutive_failures_ = 0;
  open_until_ = TimePoint{};
}

bool CircuitBreaker::RecordFailure() {
  MutexLock lock(mutex_);
  if (++consecutive_failures_ < failures_) return false;
  open_until_ = AddSeconds(clock_->Now(), cooldown_s_);
  return true;
}

int CircuitBreaker::consecutive_failures() const {
  MutexLock lock(mutex_);
  return consecutive_failures_;
}

}  // namespace reflexio
