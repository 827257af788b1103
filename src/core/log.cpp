#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "core/time.h"

namespace reflexio {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};
std::mutex g_mutex;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
  }
  return "INFO";
}


std::string TextValue(const LogField& field) {
  if (const auto* text = std::get_if<std::string>(&field.value)) {
    bool plain = !text->empty() && text->find_first_of(" \"=\n") == std::string::npos;
    return plain ? *text : nlohmann::json(*text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (const auto* number = std::get_if<int64_t>(&field.value)) return std::to_string(*number);
  std::ostringstream out;
  out << std::get<double>(field.value);
  return out.str();
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
void SetLogFormat(LogFormat format) { g_format = static_cast<int>(format); }

LogLevel ParseLogLevel(const std::string& name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

LogFormat ParseLogFormat(const std::string& name) { return name == "json" ? LogFormat::kJson : LogFormat::kText; }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

std::string FormatLogLine(LogFormat format, LogLevel level, const std::string& message,
                          const std::vector<LogField>& fields) {
  std::string time = FormatRfc3339(SystemClock::Instance().Now());
  if (format == LogFormat::kText) {
    std::string line = time + " " + LevelName(level) + " " + message;
    for (const LogField& field : fields) line += " " + field.key + "=" + TextValue(field);
    return line;
  }
  nlohmann::ordered_json line = {{"time", time}, {"level", AsciiLower(LevelName(level))}, {"msg", message}};
  for (const LogField& field : fields) {
    std::visit([&](const auto& value) { line[field.key] = value; }, field.value);
  }
  // Invalid UTF-8 in a message must not lose the line: it is replaced, not thrown on.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void LogEvent(LogLevel level, const std::string& message, const std::vector<LogField>& fields) {
  if (!LogEnabled(level)) return;
  std::string line = FormatLogLine(static_cast<LogFormat>(g_format.load()), level, message, fields) + "\n";
  std::lock_guard lock(g_mutex);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void LogLine(LogLevel level, const std::string& message) { LogEvent(level, message, {}); }

}  // namespace reflexio
