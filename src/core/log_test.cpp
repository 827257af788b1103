#include "core/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace reflexio {
namespace {

TEST(Log, JsonLinesAreOneObjectWithTheFieldsBesideTheMessage) {
  std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kWarn, "request",
                                   {{"request_id", std::string("r-1")}, {"status", int64_t{404}},
                                    {"duration_ms", 1.5}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["msg"], "request");
  EXPECT_EQ(parsed["request_id"], "r-1");
  EXPECT_EQ(parsed["status"], 404);
  EXPECT_DOUBLE_EQ(parsed["duration_ms"].get<double>(), 1.5);
  EXPECT_EQ(parsed["time"].get<std::string>().back(), 'Z');
}

TEST(Log, AMessageThatIsNotUtf8OrHasNewlinesStaysOneLine) {
  std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kError, "bad \xff byte\nsecond line", {});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NO_THROW(nlohmann::json::parse(line));
}

TEST(Log, TextLinesQuoteValuesThatWouldSplitThem) {
  std::string line = FormatLogLine(LogFormat::kText, LogLevel::kInfo, "job done",
                                   {{"job", int64_t{7}}, {"error", std::string("no such file")}});
  EXPECT_NE(line.find(" INFO job done job=7 error=\"no such file\""), std::string::npos) << line;
}

TEST(Log, FormatNamesParse) {
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("text"), LogFormat::kText);
}

}  // namespace
}  // namespace reflexio
