#include "core/check.h"

#include <cstdio>
#include <cstdlib>

namespace reflexio {

void CheckFailed(const char* file, int line, const char* condition, const std::string& message) {
  // Straight to stderr, not through the log: the log itself may be what broke.
  std::fprintf(stderr, "FATAL %s:%d: check failed: %s: %s\n", file, line, condition, message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace reflexio
