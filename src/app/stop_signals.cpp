#include "app/stop_signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "core/check.h"

namespace reflexio {

namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM};

// Written by the handler (async-signal-safe: an atomic store and write(2)), read by Wait().
int g_wake_pipe[2] = {-1, -1};
std::atomic<int> g_received{0};

void OnStopSignal(int signal_number) {
  int expected = 0;
  g_received.compare_exchange_strong(expected, signal_number);
  int saved_errno = errno;
  char byte = 1;
  [[maybe_unused]] ssize_t ignored = ::write(g_wake_pipe[1], &byte, 1);  // full pipe: already awake
  errno = saved_errno;
}

sigset_t StopSignalSet() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal_number : kStopSignals) sigaddset(&set, signal_number);
  return set;
}

}  // namespace

StopSignals::StopSignals() {
  REFLEXIO_CHECK(g_wake_pipe[0] < 0, "one StopSignals per process");
  REFLEXIO_CHECK(::pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) == 0, "cannot make the stop-signal pipe");
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a thread it lands on carries on with its system call
  for (int signal_number : kStopSignals) sigaction(signal_number, &action, nullptr);
  sigset_t set = StopSignalSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int StopSignals::Wait() {
  sigset_t set = StopSignalSet();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);  // anything pending is handled now
  int flags = ::fcntl(g_wake_pipe[0], F_GETFL);
  ::fcntl(g_wake_pipe[0], F_SETFL, flags & ~O_NONBLOCK);
  char byte;
  while (g_received.load() == 0) {
    ssize_t n = ::read(g_wake_pipe[0], &byte, 1);
    if (n < 0 && errno != EINTR) break;  // cannot happen on a pipe we own; do not spin
  }
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return g_received.load();
}

}  // namespace reflexio
