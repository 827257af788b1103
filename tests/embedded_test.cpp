// The embedded default (SQLite in the data directory) across restarts: these read the SQLite
// file directly, so they run on that backend only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <fstream>

#include "digest/testing/telegram_peer.h"
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

// Another program holding the database's write lock: the server cannot write, and /health says
// so (after SQLite's busy timeout) until the lock is gone.
TEST(ServerHealth, IsDegradedWhileTheDatabaseCannotBeWritten) {
  TempDir dir;
  ServerProcess server(dir / "data");
  Client client(server.base_url(), "");
  ASSERT_EQ(client.Get("/health").status, 200);
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "data/reflexio.db").c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto health = client.Get("/health");
  EXPECT_EQ(health.status, 503) << health.body;
  json database = json::parse(health.body)["checks"]["database"];
  EXPECT_EQ(database["ok"], false);
  EXPECT_NE(database["error"].get<std::string>().find("busy"), std::string::npos) << database.dump();
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_EQ(client.Get("/health").status, 200) << "writable again";
}

// A digest Telegram has not taken for an hour turns /health degraded; until then the backlog is
// only a metric. The hour is made to pass by backdating the delivery in the database. The
// outbox holds its messages sealed.
TEST(ServerHealth, ADigestUndeliveredForAnHourDegradesHealth) {
  const std::string token = "987654:embedded-test-secret";
  TelegramPeer peer(token);
  peer.SetDown(true);
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_SCHEDULER_INTERVAL_S", "0.3"}, {"REFLEXIO_TIMEZONE", "UTC"},
                                      {"REFLEXIO_DIGEST_TIME", "00:00"}, {"TELEGRAM_BOT_TOKEN", token},
                                      {"TELEGRAM_CHAT_ID", "4242"}, {"TELEGRAM_API_URL", peer.api_url()},
                                      {"REFLEXIO_TELEGRAM_RETRY_BASE_S", "0.3"},
                                      {"REFLEXIO_TELEGRAM_MAX_ATTEMPTS", "1000"}, {"REFLEXIO_TELEGRAM_TIMEOUT_S", "1"}});
  Client client(server.base_url(), server.first_run_key());
  json health;
  ASSERT_TRUE(WaitUntil([&] {
    health = json::parse(client.Get("/health").body);
    return health["checks"]["telegram"].value("pending", 0) >= 1;
  }, std::chrono::seconds(30))) << health.dump();
  EXPECT_TRUE(health["checks"]["telegram"]["ok"].get<bool>()) << "minutes of retrying are not yet a failure";
  std::string metrics = client.Get("/metrics/prometheus").body;
  EXPECT_NE(metrics.find("reflexio_digest_delivery_backlog{state=\"pending\"} 1"), std::string::npos) << metrics;

  std::string db = dir / "data/reflexio.db";
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM digest_deliveries WHERE messages LIKE '%digest%'"), 0)
      << "the messages are sealed";
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM digest_deliveries WHERE length(messages) > 100"), 1);
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &writer), SQLITE_OK);
  sqlite3_busy_timeout(writer, 5000);
  ASSERT_EQ(sqlite3_exec(writer,
                         "UPDATE digest_deliveries SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-61 minutes')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(writer);
  auto degraded = client.Get("/health");
  EXPECT_EQ(degraded.status, 503) << degraded.body;
  json telegram = json::parse(degraded.body)["checks"]["telegram"];
  EXPECT_FALSE(telegram["ok"].get<bool>());
  EXPECT_GT(telegram["oldest_pending_age_seconds"].get<double>(), 3600);
  EXPECT_EQ(telegram["failed_last_24h"], 0) << "still retrying, not given up";
}

// Libraries start threads before main (OpenBLAS's pool) that never block SIGTERM; the kernel may
// hand the signal to one of them. It must stop the server as cleanly as one the main thread takes.
TEST(ServerStop, ASigtermLandingOnALibraryThreadStopsTheServerCleanly) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"OPENBLAS_NUM_THREADS", "2"}});  // a pool even on one CPU
  std::vector<pid_t> threads = server.OtherThreadsAccepting(SIGTERM);
  ASSERT_FALSE(threads.empty()) << "expected OpenBLAS's pool thread, which starts before main";
  EXPECT_EQ(server.StopThroughThread(threads.front()), 0);
  EXPECT_NE(server.stderr_text().find("stopping (signal 15)"), std::string::npos) << server.stderr_text();
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

// A rotation cut short leaves master.key.next beside master.key: a server started then reads
// with both, and `keys rotate` finishes with that same new key. `--new-key-file` rewraps under a
// key the operator keeps elsewhere; every rotation is in the tenant's audit log.
TEST(MasterKeyFile, AnInterruptedRotationResumesAndAnotherKeyFileCanTakeOver) {
  TempDir dir;
  std::string data = dir / "data";
  std::string key, id;
  {
    ServerProcess server(data);
    key = server.first_run_key();
    Client client(server.base_url(), key);
    auto r = client.Upload(ReadFileBytes((SpeechDir() / "LJ001-0002.wav").string()), "audio/wav");
    ASSERT_EQ(r.status, 202);
    id = json::parse(r.body)["id"];
    ASSERT_EQ(client.WaitForRecording(id)["status"], "transcribed");
    EXPECT_EQ(server.Stop(), 0);
  }
  std::filesystem::path key_file = std::filesystem::path(data) / "master.key";
  std::filesystem::path next = key_file;
  next += ".next";
  std::string next_hex = std::string(64, 'a') + "\n";  // the key a crashed rotation had created
  {
    std::ofstream(next) << next_hex;
    std::filesystem::permissions(next, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  {
    ServerProcess midway(data);
    EXPECT_NE(midway.stderr_text().find("rotation was interrupted"), std::string::npos) << midway.stderr_text();
    Client client(midway.base_url(), key);
    EXPECT_EQ(client.Get("/v1/recordings/" + id + "/transcript").status, 200);
    EXPECT_EQ(midway.Stop(), 0);
  }
  std::string out, err;
  ASSERT_EQ(RunReflexio({"keys", "rotate", "--data-dir", data}, &out, &err), 0) << err;
  EXPECT_NE(out.find("rewrapped 1 tenant key(s)"), std::string::npos) << out;
  EXPECT_EQ(ReadFileBytes(key_file.string()), next_hex) << "finished with the key the first attempt made";
  EXPECT_FALSE(std::filesystem::exists(next));

  std::string other = dir / "elsewhere.key";
  ASSERT_EQ(RunReflexio({"keys", "rotate", "--new-key-file", other, "--data-dir", data}, &out, &err), 0) << err;
  EXPECT_NE(out.find("REFLEXIO_KEY_FILE=" + other), std::string::npos) << out;
  EXPECT_NE(out.find("rewrapped 1 tenant key(s)"), std::string::npos) << out;
  EXPECT_EQ(std::filesystem::status(other).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ServerProcess switched(data, {{"REFLEXIO_KEY_FILE", other}});
  Client client(switched.base_url(), key);
  json transcript = client.GetJson("/v1/recordings/" + id + "/transcript");
  EXPECT_FALSE(transcript["segments"].empty()) << transcript.dump();
  int rotations = 0;
  json audit = client.GetJson("/v1/privacy/audit");
  for (const auto& e : audit["items"]) {
    if (e["action"] == "key_rotation") ++rotations;
  }
  EXPECT_EQ(rotations, 2) << "one entry per rotation of this tenant's key: " << audit.dump();
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
