// The server's logs: one structured line per request and per job, the request id echoed, and
// nothing secret or spoken in them (tests/log_secrets.h checks every server's log; here, that
// the check itself finds each kind of leak).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "log_secrets.h"
#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

std::vector<json> JsonLines(const std::string& log) {
  std::vector<json> lines;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
    if (parsed.is_object()) lines.push_back(parsed);
  }
  return lines;
}

const json* Find(const std::vector<json>& lines, const std::string& msg, const std::string& key, const json& value) {
  for (const json& line : lines) {
    if (line.value("msg", "") == msg && line.contains(key) && line[key] == value) return &line;
  }
  return nullptr;
}

TEST(Logs, EveryLineIsJsonAndEachRequestAndJobHasItsLine) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_LOG_FORMAT", "json"}});
  Client client(server.base_url(), server.first_run_key());
  auto upload = client.Upload(ReadFileBytes((SpeechDir() / "LJ001-0002.wav").string()), "audio/wav",
                              {{"X-Request-Id", "upload-1"}});
  ASSERT_EQ(upload.status, 202) << upload.body;
  EXPECT_EQ(upload.Header("x-request-id"), "upload-1");
  std::string id = json::parse(upload.body)["id"];
  ASSERT_EQ(client.WaitForRecording(id)["status"], "transcribed");
  auto missing = client.Get("/v1/recordings/nope", {{"X-Request-Id", "has spaces, so not kept"}});
  EXPECT_EQ(missing.status, 404);
  std::string generated = missing.Header("x-request-id");
  EXPECT_FALSE(generated.empty());
  EXPECT_EQ(generated.find(' '), std::string::npos) << "an unusable id is replaced: " << generated;
  EXPECT_EQ(server.Stop(), 0);

  std::vector<json> lines = JsonLines(server.stderr_text());
  ASSERT_FALSE(lines.empty());
  for (const json& line : lines) {
    EXPECT_TRUE(line.contains("time") && line.contains("level") && line.contains("msg")) << line.dump();
  }
  const json* posted = Find(lines, "request", "request_id", "upload-1");
  ASSERT_NE(posted, nullptr) << server.stderr_text();
  EXPECT_EQ((*posted)["route"], "/v1/recordings");
  EXPECT_EQ((*posted)["method"], "POST");
  EXPECT_EQ((*posted)["status"], 202);
  EXPECT_GT((*posted)["bytes"].get<int>(), 0);
  EXPECT_GE((*posted)["duration_ms"].get<double>(), 0.0);
  EXPECT_FALSE((*posted)["tenant"].get<std::string>().empty());
  const json* refused = Find(lines, "request", "request_id", generated);
  ASSERT_NE(refused, nullptr) << server.stderr_text();
  EXPECT_EQ((*refused)["route"], "/v1/recordings/{id}") << "the pattern, never the id asked for";
  EXPECT_EQ((*refused)["status"], 404);
  const json* job = Find(lines, "job", "recording", id);
  ASSERT_NE(job, nullptr) << server.stderr_text();
  EXPECT_EQ((*job)["outcome"], "done");
  EXPECT_EQ((*job)["attempt"], 1);
  EXPECT_GT((*job)["duration_ms"].get<double>(), 0.0);
}

// A container's stdout is kept by its engine: a production server shows no key on its first start.
TEST(Logs, AProductionServerPrintsNoKeyOnItsFirstStartAndSaysHowToMakeOne) {
  TempDir dir;
  std::string key_file = dir / "master.key";
  {
    std::ofstream(key_file) << std::string(64, 'e') << "\n";
  }
  std::filesystem::permissions(key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ServerProcess server(dir / "data", {{"REFLEXIO_ENV", "production"}, {"REFLEXIO_KEY_FILE", key_file},
                                      {"REFLEXIO_LOG_FORMAT", "json"}});
  EXPECT_EQ(server.first_run_key(), "");
  EXPECT_EQ(server.stdout_text(), "");
  EXPECT_NE(server.stderr_text().find("reflexio keys create --tenant NAME"), std::string::npos) << server.stderr_text();
  std::string key = server.CreateKey("ops");
  EXPECT_EQ(Client(server.base_url(), key).Get("/v1/recordings").status, 200);
  EXPECT_EQ(server.Stop(), 0);
  for (const json& line : JsonLines(server.stderr_text())) EXPECT_TRUE(line.contains("msg"));
}

TEST(Logs, TheLeakCheckFindsEachKindOfSecretAndPassesAPlainLog) {
  TempDir dir;
  std::string key_file = dir / "master.key";
  {
    std::ofstream(key_file) << std::string(64, 'c') << "\n";
  }
  std::map<std::string, std::string> env = {{"TELEGRAM_BOT_TOKEN", "123456:telegram-secret"},
                                            {"DATABASE_URL", "postgres://app:pg-secret-9@127.0.0.1/db"},
                                            {"REFLEXIO_KEY_FILE", key_file}};
  std::string plain = "2026-12-06T19:00:00.000Z INFO request request_id=r1 route=/v1/search status=200\n";
  EXPECT_TRUE(LeaksInLog(plain, env, {key_file}).empty());
  auto leaks = [&](const std::string& line) { return LeaksInLog(plain + line, env, {key_file}); };
  EXPECT_EQ(leaks("key rfx_" + std::string(43, 'A')).size(), 1u);
  EXPECT_EQ(leaks("GET https://api.telegram.org/bot123456:telegram-secret/getMe").size(), 1u);
  EXPECT_EQ(leaks("connecting with pg-secret-9").size(), 1u);
  EXPECT_EQ(leaks("key " + std::string(64, 'c')).size(), 1u);
  // From the reference transcript of 2412-153948-0000.flac: what someone said.
  EXPECT_EQ(leaks("segment: nothing of my antecedents").size(), 1u);
}

}  // namespace
}  // namespace reflexio::testing
