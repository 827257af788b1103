// InstallCrashReport: when the process is about to die of SIGSEGV, SIGBUS, SIGFPE, SIGILL or
// SIGABRT, it first writes which signal it was and the stack (glibc's backtrace, one frame a line:
// binary, symbol when exported, offset) to stderr, then dies of the same signal, so a supervisor
// and the exit status see what they would have seen without it. REFLEXIO_CHECK's message comes
// before the SIGABRT report. The handler runs on its own stack (a stack overflow can still be
// reported) and uses only calls that are safe in a signal handler. Call once, early in main,
// before any thread starts.
#pragma once

namespace reflexio {

void InstallCrashReport();

}  // namespace reflexio
