// StopSignals: how a long-running command (serve, worker, scheduler) learns it should stop.
//
// Contract: construct it on the main thread before any thread of ours starts. From then on
// SIGINT and SIGTERM are blocked in the constructing thread and in every thread it starts, and a
// handler records them. Wait() unblocks them in the calling thread only and returns the first one
// received (it may have arrived before Wait). Not copyable; one per process.
//
// Why a handler and not sigwait(): threads that libraries start before main (OpenBLAS's pool)
// never blocked the signals. The kernel hands a process-directed signal to any thread that has it
// unblocked; with sigwait alone, a SIGTERM that landed on such a thread while main was not yet
// waiting took the default action and killed the process mid-work. The handler makes every thread
// a safe place for it to land.
#pragma once

namespace reflexio {

class StopSignals {
 public:
  StopSignals();  // the handler and its pipe stay for the life of the process
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until SIGINT or SIGTERM arrives; returns its number.
  int Wait();
};

}  // namespace reflexio
