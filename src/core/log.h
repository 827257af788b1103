// Logging: one line per event on stderr, "2026-11-26T22:50:00.000Z INFO message".
//
// Thread-safe. Never log secrets (API keys, passwords, audio or transcript text); callers log
// ids and sizes instead. The level comes from REFLEXIO_LOG_LEVEL (debug|info|warn|error).
#pragma once

#include <sstream>
#include <string>

namespace reflexio {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

void SetLogLevel(LogLevel level);
LogLevel ParseLogLevel(const std::string& name);  // unknown names give kInfo
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, const std::string& message);

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
