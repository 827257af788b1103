#include "core/crash_report.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>

namespace reflexio {
namespace {

// Writes to a page nothing may touch (address 0 is not reliably unmapped everywhere). Kept out
// of line so it shows in the stack the report writes.
[[gnu::noinline]] void WriteToForbiddenPage() {
  void* page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  *static_cast<volatile int*>(page) = 1;
}

TEST(CrashReportDeathTest, ASegfaultSaysWhichSignalAndWhereThenDiesOfIt) {
  ASSERT_EXIT(
      {
        InstallCrashReport();
        WriteToForbiddenPage();
      },
      ::testing::KilledBySignal(SIGSEGV), "reflexio: fatal signal 11 \\(SEGV\\); stack:\n.*core_test");
}

TEST(CrashReportDeathTest, AnAbortIsReportedToo) {
  ASSERT_EXIT(
      {
        InstallCrashReport();
        abort();
      },
      ::testing::KilledBySignal(SIGABRT), "reflexio: fatal signal 6 \\(ABRT\\)");
}

}  // namespace
}  // namespace reflexio
