// Logging: one line per event on stderr.
//
// Two formats (SetLogFormat): text, for a terminal — "2026-11-26T22:50:00.000Z INFO message
// key=value …" — and json, for a collector — {"time":…,"level":"info","msg":…,"key":value,…},
// one object per line. Events with named fields (a request served, a job done) use LogEvent.
//
// Thread-safe. A line is written whole or not at all. Never log secrets (API keys, passwords,
// tokens) or what a person said (audio, transcript text); log ids, sizes and durations instead:
// the integration suites grep every server log for both (tests/server_harness.cpp).
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace reflexio {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

void SetLogLevel(LogLevel level);
LogLevel ParseLogLevel(const std::string& name);  // unknown names give kInfo
void SetLogFormat(LogFormat format);
LogFormat ParseLogFormat(const std::string& name);  // "json", else text
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, const std::string& message);

struct LogField {
  std::string key;
  std::variant<std::string, int64_t, double> value;
};
void LogEvent(LogLevel level, const std::string& message, const std::vector<LogField>& fields);

// The line LogEvent writes, without the trailing newline (for tests and for writing elsewhere).
std::string FormatLogLine(LogFormat format, LogLevel level, const std::string& message,
                          const std::vector<LogField>& fields);

}  // namespace reflexio

#define REFLEXIO_LOG(level, expr)                                 \
  do {                                                            \
    if (::reflexio::LogEnabled(level)) {                          \
      std::ostringstream log_stream_;                             \
      log_stream_ << expr;                                        \
      ::reflexio::LogLine(level, log_stream_.str());              \
    }                                                             \
  } while (0)
#define LOG_DEBUG(expr) REFLEXIO_LOG(::reflexio::LogLevel::kDebug, expr)
#define LOG_INFO(expr) REFLEXIO_LOG(::reflexio::LogLevel::kInfo, expr)
#define LOG_WARN(expr) REFLEXIO_LOG(::reflexio::LogLevel::kWarn, expr)
#define LOG_ERROR(expr) REFLEXIO_LOG(::reflexio::LogLevel::kError, expr)
