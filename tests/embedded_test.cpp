// The embedded default (SQLite in the data directory) across restarts: these read the SQLite
// file directly, so they run on that backend only.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

int64_t QueryInt(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

TEST(ServerRestart, AKilledServerFinishesEveryAcknowledgedRecordingExactlyOnce) {
  TempDir dir;
  std::string data = dir / "data";
  std::vector<std::string> ids;
  std::string key;
  {
    ServerProcess server(data, {{"REFLEXIO_WORKER_THREADS", "1"}});
    key = server.first_run_key();
    Client client(server.base_url(), key);
    for (const char* file : {"2412-153948-0000.flac", "2412-153948-0001.flac", "LJ001-0001.wav", "LJ001-0003.wav",
                             "EDACC-C02-000000000.wav", "1988-24833-0001.flac"}) {
      auto r = client.Upload(ReadFileBytes((SpeechDir() / file).string()), TypeFor(file));
      ASSERT_EQ(r.status, 202);
      ids.push_back(json::parse(r.body)["id"]);
    }
    server.Kill();  // mid-queue: most jobs not yet run, one probably in progress
  }
  int64_t unfinished = QueryInt(data + "/reflexio.db", "SELECT count(*) FROM recordings WHERE status != 'transcribed'");
  EXPECT_GT(unfinished, 0) << "the crash should have left work queued";
  ServerProcess again(data);
  EXPECT_EQ(again.first_run_key(), "") << "no second key on a data directory that has tenants";
  Client client(again.base_url(), key);
  for (const auto& id : ids) EXPECT_EQ(client.WaitForRecording(id)["status"], "transcribed") << id;
  EXPECT_EQ(client.GetJson("/v1/recordings?limit=200")["items"].size(), ids.size()) << "no duplicates, none lost";
  std::string db = data + "/reflexio.db";
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM jobs"), static_cast<int64_t>(ids.size()));
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM jobs WHERE state = 'done'"), static_cast<int64_t>(ids.size()));
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM (SELECT recording_id, seq FROM segments GROUP BY 1, 2 HAVING count(*) > 1)"), 0);
  // The upload goes only once its transcript is stored, so it may outlive the status by a moment.
  EXPECT_TRUE(WaitUntil([&] { return FilesUnder(data + "/incoming") == 0; }, std::chrono::seconds(10)))
      << "uploads are removed once transcribed";
  EXPECT_EQ(FilesUnder(data + "/audio"), ids.size());
  EXPECT_EQ(again.Stop(), 0);
}

TEST(ServerRestart, OnlyOneServerPerDataDirectory) {
  TempDir dir;
  ServerProcess first(dir / "data");
  std::string err;
  int status = RunReflexio({"serve", "--port", "0", "--data-dir", dir / "data"}, nullptr, &err);
  EXPECT_NE(status, 0);
  EXPECT_NE(err.find("already using"), std::string::npos) << err;
}

TEST(MasterKeyFile, FirstStartCreatesItPrivatelyAndRotationKeepsEverythingReadable) {
  TempDir dir;
  std::string data = dir / "data";
  std::string key, id;
  {
    ServerProcess server(data);
    EXPECT_NE(server.stderr_text().find("created a new master key in"), std::string::npos) << server.stderr_text();
    key = server.first_run_key();
    Client client(server.base_url(), key);
    auto r = client.Upload(ReadFileBytes((SpeechDir() / "LJ001-0001.wav").string()), "audio/wav");
    ASSERT_EQ(r.status, 202);
    id = json::parse(r.body)["id"];
    ASSERT_EQ(client.WaitForRecording(id)["status"], "transcribed");
    std::string err;
    EXPECT_NE(RunReflexio({"keys", "rotate", "--data-dir", data}, nullptr, &err), 0) << "not while serving";
    EXPECT_NE(err.find("already using"), std::string::npos) << err;
    EXPECT_EQ(server.Stop(), 0);
  }
  std::filesystem::path key_file = std::filesystem::path(data) / "master.key";
  EXPECT_EQ(std::filesystem::status(key_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::string old_key = ReadFileBytes(key_file.string());
  ASSERT_EQ(old_key.size(), 65u);

  std::string out, err;
  ASSERT_EQ(RunReflexio({"keys", "rotate", "--data-dir", data}, &out, &err), 0) << err;
  EXPECT_NE(out.find("rewrapped 1 tenant key(s)"), std::string::npos) << out;
  std::string new_key = ReadFileBytes(key_file.string());
  EXPECT_NE(new_key, old_key);
  bool retired_kept = false;
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    if (entry.path().string().ends_with(".retired")) retired_kept = ReadFileBytes(entry.path().string()) == old_key;
  }
  EXPECT_TRUE(retired_kept) << "the old key is kept for backups taken before the rotation";
  ASSERT_EQ(RunReflexio({"keys", "rotate", "--data-dir", data}, &out, &err), 0) << err;

  ServerProcess again(data);
  Client client(again.base_url(), key);
  json transcript = client.GetJson("/v1/recordings/" + id + "/transcript");
  ASSERT_FALSE(transcript["segments"].empty()) << transcript.dump();
  json hits = client.GetJson("/v1/search?q=exhibitions");
  ASSERT_FALSE(hits["items"].empty()) << hits.dump();
  auto clip = client.Get("/v1/recordings/" + id + "/audio?start=0&end=2", {{"Accept", "audio/wav"}});
  EXPECT_EQ(clip.status, 200) << "the audio, sealed with the same tenant key, still opens";
  EXPECT_EQ(again.Stop(), 0);

  // A server started with a different master key refuses the tenant's data instead of making new keys.
  std::filesystem::rename(key_file, std::filesystem::path(data) / "saved.key");
  ServerProcess stranger(data);
  Client lost(stranger.base_url(), key);
  auto refused = lost.Get("/v1/recordings/" + id + "/transcript");
  EXPECT_EQ(refused.status, 500) << refused.body;
  EXPECT_NE(refused.body.find("tenant_key_unavailable"), std::string::npos) << refused.body;
}

}  // namespace
TEST(ServerWhisper, AConfiguredCheckpointTranscribesUploadsInProcessAndSaysSo) {
  // The random-weight reference model: its words mean nothing, but the server runs it end to end.
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_WHISPER_MODEL", std::string(REFLEXIO_SHARED_DIR) + "/data/whisper-test-model"},
                                      {"REFLEXIO_WORKER_THREADS", "1"}});
  Client client(server.base_url(), server.first_run_key());
  auto r = client.Upload(ReadFileBytes((SpeechDir() / "LJ001-0001.wav").string()), "audio/wav");
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id = json::parse(r.body)["id"];
  ASSERT_EQ(client.WaitForRecording(id)["status"], "transcribed");
  json transcript = client.GetJson("/v1/recordings/" + id + "/transcript");
  EXPECT_EQ(transcript["engine"], "whisper") << transcript.dump();
  ASSERT_FALSE(transcript["segments"].empty()) << transcript.dump();
  for (const json& segment : transcript["segments"]) {
    EXPECT_EQ(segment["engine"], "whisper");
    EXPECT_TRUE(segment["language"] == "ru" || segment["language"] == "en") << "the default allow-list";
    for (const json& word : segment["words"]) {
      EXPECT_GE(word["start"].get<double>(), segment["start"].get<double>() - 1e-6);
      EXPECT_LE(word["end"].get<double>(), segment["end"].get<double>() + 1e-6);
    }
  }
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace reflexio::testing
