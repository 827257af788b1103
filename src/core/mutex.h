// Mutex, MutexLock and the thread-safety annotations: a std::mutex and a scoped lock that
// Clang's thread-safety analysis (-Wthread-safety) understands. Shared state is declared
// GUARDED_BY(mutex_); a function that expects the lock held says REQUIRES(mutex_); one that takes
// it says EXCLUDES(mutex_). scripts/check-thread-safety.sh compiles the sources with Clang and
// fails on any access to guarded state without its lock. With other compilers the annotations
// are empty and the types are a plain mutex and lock guard.
//
// Waiting for a condition goes through MutexLock::Wait/WaitUntil in a loop that tests the
// condition itself — `while (!ready_) lock.Wait(cv_);` — so the analysis sees every read of the
// guarded state happen under the lock. Thread-safe, as mutexes are.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define REFLEXIO_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define REFLEXIO_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) REFLEXIO_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY REFLEXIO_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) REFLEXIO_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) REFLEXIO_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) REFLEXIO_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) REFLEXIO_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) REFLEXIO_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) REFLEXIO_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS REFLEXIO_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace reflexio {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

// The steady-clock moment `seconds` from now, for MutexLock::WaitUntil.
inline std::chrono::steady_clock::time_point DeadlineAfter(double seconds) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Releases the lock until `condition` is notified (or spuriously woken), then holds it again.
  void Wait(std::condition_variable_any& condition) { condition.wait(mutex_); }
  // The same, until `deadline` at the latest; false once it has passed.
  bool WaitUntil(std::condition_variable_any& condition, std::chrono::steady_clock::time_point deadline) {
    return condition.wait_until(mutex_, deadline) == std::cv_status::no_timeout;
  }

 private:
  Mutex& mutex_;
};

}  // namespace reflexio
