// Cluster mode: one API process and two workers, all separate processes, on PostgreSQL and an
// S3-compatible object store. One worker is killed with SIGKILL in the middle of the work;
// every acknowledged recording still ends transcribed exactly once.
#include <gtest/gtest.h>

#include <iostream>

#include <pqxx/pqxx>

#include <thread>

#include "server_harness.h"
#include "storage/testing/postgres_fixture.h"
#include "storage/testing/s3_peer.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

int64_t Count(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::work tx(c);
  return tx.exec(sql)[0][0].as<int64_t>();
}

TEST(Cluster, TwoHundredUploadsSurviveAWorkerKilledMidway) {
  PostgresTestDatabase pg;
  S3Peer s3;
  TempDir dir;
  std::map<std::string, std::string> env = {
      {"DATABASE_URL", pg.app_url()},          {"REFLEXIO_BLOB_BACKEND", "s3"},
      {"REFLEXIO_S3_ENDPOINT", s3.endpoint()}, {"REFLEXIO_S3_BUCKET", s3.bucket()},
      {"REFLEXIO_S3_ACCESS_KEY_ID", S3Peer::kAccessKeyId},
      {"REFLEXIO_S3_SECRET_ACCESS_KEY", S3Peer::kSecretAccessKey},
      {"REFLEXIO_WORKER_THREADS", "1"},        {"REFLEXIO_JOB_LEASE_S", "3"}};
  ServerProcess api(dir / "api", env, {"--role", "api"});
  Client client(api.base_url(), api.first_run_key());
  json health = client.GetJson("/health");
  EXPECT_FALSE(health["checks"].contains("asr")) << "the API role transcribes nothing itself";
  auto doomed = std::make_unique<WorkerProcess>(dir / "worker-1", env);
  WorkerProcess survivor(dir / "worker-2", env);

  const char* files[] = {"goforward.wav", "p225_001_mic1.flac", "LJ001-0002.wav", "3752-4944-0002.flac"};
  std::vector<std::string> bodies;
  for (const char* f : files) bodies.push_back(ReadFileBytes((SpeechDir() / f).string()));
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    const char* type = std::string(files[i % 4]).ends_with(".wav") ? "audio/wav" : "audio/flac";
    auto r = client.Upload(bodies[i % 4], type, {{"Idempotency-Key", "upload-" + std::to_string(i)}});
    ASSERT_EQ(r.status, 202) << r.body;
    ids.push_back(json::parse(r.body)["id"]);
    if (i == 60) {
      // Kill a worker once it is surely busy: it has finished a recording (so it started, however
      // slowly a loaded machine brought it up) and both one-thread workers now hold a job.
      ASSERT_TRUE(WaitUntil([&] {
        return doomed->stderr_text().find(" transcribed: ") != std::string::npos &&
               Count(pg.owner_url(), "SELECT count(*) FROM jobs WHERE state = 'running'") == 2;
      }, 120s)) << doomed->stderr_text().substr(0, 2000);
      doomed->Kill();
    }
  }
  ASSERT_TRUE(WaitUntil([&] {
    return Count(pg.owner_url(), "SELECT count(*) FROM jobs WHERE state = 'done'") == 200;
  }, 420s)) << Count(pg.owner_url(), "SELECT count(*) FROM jobs WHERE state = 'done'") << " of 200 done\n"
            << survivor.stderr_text().substr(0, 4000);

  for (const auto& id : ids) EXPECT_EQ(client.GetJson("/v1/recordings/" + id)["status"], "transcribed") << id;
  EXPECT_EQ(Count(pg.owner_url(), "SELECT count(*) FROM recordings"), 200);
  EXPECT_EQ(Count(pg.owner_url(), "SELECT count(*) FROM jobs"), 200) << "one job per recording";
  EXPECT_EQ(Count(pg.owner_url(), "SELECT count(*) FROM recordings WHERE status = 'transcribed'"), 200);
  EXPECT_EQ(Count(pg.owner_url(), "SELECT count(*) FROM recordings r WHERE NOT EXISTS "
                                  "(SELECT 1 FROM segments s WHERE s.recording_id = r.id)"), 0);
  EXPECT_EQ(Count(pg.owner_url(), "SELECT count(*) FROM (SELECT recording_id, seq FROM segments "
                                  "GROUP BY 1, 2 HAVING count(*) > 1) d"), 0) << "no segment written twice";
  EXPECT_GE(Count(pg.owner_url(), "SELECT count(*) FROM jobs WHERE attempts > 1"), 1)
      << "the killed worker's job was reclaimed after its lease expired";
  // The same file always gives the same transcript, whichever worker ran it (compared through
  // the blind index: the text itself is sealed, differently each time).
  EXPECT_EQ(Count(pg.owner_url(), "SELECT count(*) FROM segments WHERE text LIKE '% %' OR index_terms = ''"), 0);
  EXPECT_EQ(Count(pg.owner_url(), "SELECT count(DISTINCT s.index_terms) FROM segments s JOIN recordings r ON r.id = s.recording_id "
                                  "WHERE s.seq = 0 AND r.idempotency_key IN ('upload-0', 'upload-4', 'upload-100', "
                                  "'upload-196')"), 1);
  EXPECT_EQ(survivor.Stop(), 0);
}

// Workers and schedulers serve no API but answer /health and /metrics/prometheus on their port,
// so that compose, systemd or a load balancer sees them and Prometheus scrapes what only they
// measure (the ASR real-time factor). They share the API's data directory, as in compose.
TEST(Cluster, WorkersAndSchedulersAnswerHealthAndMetricsOnTheirPort) {
  PostgresTestDatabase pg;
  TempDir dir;
  std::string address_file = dir / "worker.address";
  std::map<std::string, std::string> env = {{"DATABASE_URL", pg.app_url()}};
  ServerProcess api(dir / "data", env, {"--role", "api"});
  Client client(api.base_url(), api.first_run_key());
  auto worker_env = env;
  worker_env["REFLEXIO_ADDRESS_FILE"] = address_file;
  WorkerProcess worker(dir / "data", worker_env);
  WorkerProcess scheduler(dir / "data", env, "scheduler");
  auto r = client.Upload(ReadFileBytes((SpeechDir() / "goforward.wav").string()), "audio/wav");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_EQ(client.WaitForRecording(json::parse(r.body)["id"])["status"], "transcribed");

  Client worker_probe(worker.base_url(), "");
  EXPECT_EQ(ReadFileBytes(address_file), worker.base_url() + "\n");
  json health = worker_probe.GetJson("/health");
  EXPECT_EQ(health["status"], "ok") << health.dump();
  EXPECT_TRUE(health["checks"]["asr"]["ok"]) << "a worker transcribes: its engines are checked";
  EXPECT_TRUE(health["checks"]["database"]["ok"]);
  EXPECT_FALSE(health["checks"].contains("telegram")) << "a worker delivers no digests";
  std::string metrics = worker_probe.Get("/metrics/prometheus").body;
  EXPECT_NE(metrics.find("reflexio_asr_real_time_factor_count{engine=\"pocketsphinx\"} "), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("reflexio_jobs_completed_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("reflexio_disk_bytes{state=\"free\"}"), std::string::npos) << metrics;
  EXPECT_EQ(worker_probe.Get("/v1/recordings").status, 404) << "a probe port serves no API";

  json scheduler_health = Client(scheduler.base_url(), "").GetJson("/health");
  EXPECT_EQ(scheduler_health["status"], "ok") << scheduler_health.dump();
  EXPECT_FALSE(scheduler_health["checks"].contains("asr"));
  EXPECT_TRUE(scheduler_health["checks"].contains("telegram")) << "the scheduler sends the digests";
  EXPECT_EQ(worker.Stop(), 0);
  EXPECT_EQ(scheduler.Stop(), 0);
}

TEST(Cluster, ExactlyOneSchedulerIsActiveAndAnotherTakesOver) {
  PostgresTestDatabase pg;
  TempDir dir;
  std::map<std::string, std::string> env = {{"DATABASE_URL", pg.app_url()}, {"REFLEXIO_SCHEDULER_INTERVAL_S", "0.3"}};
  ServerProcess api(dir / "api", env, {"--role", "api"});
  Client client(api.base_url(), api.first_run_key());
  ASSERT_EQ(client.Upload(ReadFileBytes((SpeechDir() / "goforward.wav").string()), "audio/wav").status, 202);

  auto one = std::make_unique<WorkerProcess>(dir / "s1", env, "scheduler");
  auto two = std::make_unique<WorkerProcess>(dir / "s2", env, "scheduler");
  auto is_active = [](const WorkerProcess& p) { return p.stderr_text().find("scheduler active") != std::string::npos; };
  ASSERT_TRUE(WaitUntil([&] { return is_active(*one) || is_active(*two); }, 30s));
  std::this_thread::sleep_for(1500ms);  // several intervals: the other must stay on standby
  ASSERT_NE(is_active(*one), is_active(*two)) << "exactly one scheduler is active";
  ASSERT_TRUE(WaitUntil([&] { return Count(pg.owner_url(), "SELECT count(*) FROM usage_daily WHERE uploads = 1") == 1; },
                        10s)) << "the active scheduler rolls up usage";

  auto& active = is_active(*one) ? one : two;
  auto& standby = is_active(*one) ? two : one;
  auto killed = std::chrono::steady_clock::now();
  active->Kill();  // its session ends, and the advisory lock with it
  ASSERT_TRUE(WaitUntil([&] { return is_active(*standby); }, 10s)) << standby->stderr_text();
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::cout << "[ measured ] the standby took over " << took << " s after the active scheduler died\n";
  // Within its interval (0.3 s) — with room for a loaded machine, but far below any lease or timeout.
  EXPECT_LT(took, 0.3 + 2.0);
  EXPECT_EQ(standby->Stop(), 0);
}

}  // namespace
}  // namespace reflexio::testing
