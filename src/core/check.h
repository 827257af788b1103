// Crash or handle. Reflexio handles everything that comes from outside — requests, uploaded
// files, configuration, the answers of peers and services — with a Status the caller acts on;
// such input never stops the process. What stops it is a broken invariant: a state the code
// itself guarantees cannot happen (a Result read without checking it, a lock released twice, an
// index past what was just sized). Carrying on from there would store or answer something wrong,
// so REFLEXIO_CHECK writes where and what to stderr and aborts (a supervisor restarts the
// process; the durable queue resumes its work). REFLEXIO_DCHECK does the same in builds without
// NDEBUG, for checks too costly to keep in release. Thread-safe.
#pragma once

#include <string>

namespace reflexio {

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition, const std::string& message);

}  // namespace reflexio

#define REFLEXIO_CHECK(condition, message)                                                  \
  do {                                                                                      \
    if (!(condition)) ::reflexio::CheckFailed(__FILE__, __LINE__, #condition, (message));   \
  } while (0)

#ifdef NDEBUG
#define REFLEXIO_DCHECK(condition, message) \
  do {                                      \
  } while (0)
#else
#define REFLEXIO_DCHECK(condition, message) REFLEXIO_CHECK(condition, message)
#endif
