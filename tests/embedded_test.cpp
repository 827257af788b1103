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
  EXPECT_EQ(FilesUnder(data + "/incoming"), 0u) << "uploads are removed once transcribed";
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

}  // namespace
}  // namespace reflexio::testing
