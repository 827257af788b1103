// The real server on PostgreSQL: the spine's flow end to end, and tenant isolation through the
// API — every /v1 route and method, called with tenant B's key on tenant A's ids, answers 404
// and changes nothing.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <algorithm>

#include "core/ids.h"
#include "server_harness.h"
#include "storage/migrations.h"
#include "storage/testing/postgres_fixture.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

TEST(PostgresServer, TranscribesSearchesAndKeepsTenantsApart) {
  PostgresTestDatabase pg;
  TempDir dir;
  std::map<std::string, std::string> env = {{"DATABASE_URL", pg.app_url()}};
  ServerProcess server(dir / "data", env);
  std::string key_a = server.first_run_key();
  ASSERT_FALSE(key_a.empty()) << server.stdout_text();
  std::string key_b = CreateKey(dir / "data", "tenant-b", env);
  ASSERT_FALSE(key_b.empty());
  Client a(server.base_url(), key_a), b(server.base_url(), key_b);

  auto upload = a.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0000.flac").string()), "audio/flac",
                         {{"Idempotency-Key", "pg-1"}});
  ASSERT_EQ(upload.status, 202) << upload.body;
  std::string id = json::parse(upload.body)["id"];
  ASSERT_EQ(a.WaitForRecording(id)["status"], "transcribed");
  json hits = a.GetJson("/v1/search?q=scenery");
  ASSERT_FALSE(hits["items"].empty()) << hits.dump();
  EXPECT_NE(hits["items"][0]["snippet"].get<std::string>().find("<mark>scenery</mark>"), std::string::npos);
  EXPECT_EQ(json::parse(a.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0000.flac").string()), "audio/flac",
                                 {{"Idempotency-Key", "pg-1"}}).body)["id"], id);
  EXPECT_EQ(a.GetJson("/health")["checks"]["database"]["ok"], true);

  // Every /v1 route of the API (from GET /), with B's key on A's recording.
  json index = a.GetJson("/");
  int probed = 0;
  for (const auto& endpoint : index["endpoints"]) {
    std::string path = endpoint["path"];
    if (path.rfind("/v1/", 0) != 0) continue;
    if (path.rfind("/v1/privacy/", 0) == 0) continue;  // B's own data only: probed below
    if (endpoint["auth"] != "bearer") continue;  // open and operator routes: no tenant's key reaches data there
    std::string method = endpoint["method"];
    std::string with_id = path;
    auto brace = with_id.find("{id}");
    if (brace != std::string::npos) with_id.replace(brace, 4, id);
    if (auto kind = with_id.find("{kind}"); kind != std::string::npos) with_id.replace(kind, 6, "summary");
    if (auto date = with_id.find("{date}"); date != std::string::npos) with_id.replace(date, 6, "today");
    HttpRequest request;
    request.method = method;
    request.url = with_id + (path == "/v1/search" ? "?q=scenery" : "");
    if (method == "POST") {
      request.body = ReadFileBytes((SpeechDir() / "p225_001_mic1.flac").string());
      request.headers.emplace_back("Content-Type", "audio/flac");
      request.headers.emplace_back("Idempotency-Key", "pg-1");  // A's key: B must not receive A's recording
    }
    auto response = b.Send(request);
    ++probed;
    if (brace != std::string::npos) {
      EXPECT_EQ(response.status, 404) << method << " " << with_id << ": " << response.body;
    } else if (path == "/v1/stream") {
      EXPECT_EQ(response.status, 426) << "a WebSocket: a plain GET is told to upgrade";
    } else if (method == "GET") {
      EXPECT_EQ(response.status, 200) << method << " " << with_id;
      json listed = json::parse(response.body);
      for (const auto& item : listed["items"]) {  // B may see B's own upload, never A's
        EXPECT_NE(item.value("id", item.value("recording_id", "")), id) << method << " " << with_id;
      }
    } else if (path == "/v1/recordings") {
      ASSERT_EQ(response.status, 202) << response.body;
      EXPECT_NE(json::parse(response.body)["id"], id) << "B's Idempotency-Key space is B's own";
    } else {  // B's own settings and digests: answered, and nothing of A's in the answer
      EXPECT_LT(response.status, 500) << method << " " << with_id << ": " << response.body;
      EXPECT_EQ(response.body.find(id), std::string::npos) << method << " " << with_id;
    }
  }
  EXPECT_GE(probed, 5);
  // B's privacy controls reach B's data only: the export holds nothing of A's, and B's erasure
  // leaves A's recording, transcript and search in place.
  auto exported = b.Get("/v1/privacy/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_EQ(exported.body.find(id), std::string::npos) << "A's recording in B's export";
  ASSERT_EQ(b.SendJson("POST", "/v1/privacy/erase", R"({"confirm": true})").status, 200);
  EXPECT_FALSE(a.GetJson("/v1/search?q=scenery")["items"].empty()) << "A's data survives B's erasure";
  // Nothing of A's changed.
  json mine = a.GetJson("/v1/recordings");
  ASSERT_EQ(mine["items"].size(), 1u);
  EXPECT_EQ(mine["items"][0]["status"], "transcribed");
  EXPECT_FALSE(a.GetJson("/v1/search?q=scenery")["items"].empty());
}

TEST(PostgresServer, MigrateVerifyChecksRowLevelSecurity) {
  PostgresTestDatabase pg;
  std::string out, err;
  ASSERT_EQ(RunReflexio({"migrate", "--database-url", pg.owner_url()}, &out, &err), 0) << err;
  EXPECT_NE(out.find("0 applied, " + std::to_string(EmbeddedPostgresMigrations().size()) + " already up to date"), std::string::npos) << out;
  ASSERT_EQ(RunReflexio({"migrate", "--verify", "--database-url", pg.owner_url()}, &out, &err), 0) << err;
  EXPECT_NE(out.find("row-level security"), std::string::npos) << out;
  {
    pqxx::connection c(pg.owner_url());
    pqxx::nontransaction(c).exec("ALTER TABLE segments NO FORCE ROW LEVEL SECURITY");
  }
  EXPECT_EQ(RunReflexio({"migrate", "--verify", "--database-url", pg.owner_url()}, &out, &err), 1);
  EXPECT_NE(err.find("segments: row-level security is not forced"), std::string::npos) << err;
}

// What compose's one-shot `migrate` service runs on a fresh database: migrations as the owner, and
// the role the server logs in as (named by DATABASE_URL) made a member of reflexio_app.
TEST(PostgresServer, MigrateMakesTheServersRoleAndRefusesToMakeTheOwnerOne) {
  PostgresTestDatabase pg;
  std::string role = "reflexio_srv_" + NewId().substr(24);
  std::replace(role.begin(), role.end(), '-', '_');
  std::string owner = pg.owner_url();  // postgresql://postgres@HOST:PORT/DB
  std::string server_url = owner.substr(0, owner.find("://") + 3) + role + ":s3cret-pass" + owner.substr(owner.find('@'));
  std::string out, err;
  ASSERT_EQ(RunReflexio({"migrate", "--database-url", owner, "--ensure-server-role"}, &out, &err,
                        {{"DATABASE_URL", server_url}}), 0) << err;
  EXPECT_NE(out.find("member of reflexio_app"), std::string::npos) << out;
  EXPECT_EQ((out + err).find("s3cret-pass"), std::string::npos) << "the password is never printed";
  {
    pqxx::connection c(owner);
    pqxx::work tx(c);
    EXPECT_TRUE(tx.exec1("SELECT pg_has_role(" + tx.quote(role) + ", 'reflexio_app', 'member')")[0].as<bool>());
    EXPECT_TRUE(tx.exec1("SELECT rolcanlogin AND rolpassword IS NOT NULL AND NOT rolsuper FROM pg_authid "
                         "WHERE rolname = " + tx.quote(role))[0].as<bool>());
  }
  // Again: idempotent.
  ASSERT_EQ(RunReflexio({"migrate", "--database-url", owner, "--ensure-server-role"}, &out, &err,
                        {{"DATABASE_URL", server_url}}), 0) << err;
  // The server logs in as it and works under row-level security.
  {
    TempDir dir;
    ServerProcess server(dir / "data", {{"DATABASE_URL", server_url}});
    std::string key = server.CreateKey("role-test");
    EXPECT_EQ(Client(server.base_url(), key).Get("/v1/recordings").status, 200);
  }
  EXPECT_EQ(RunReflexio({"migrate", "--database-url", owner, "--ensure-server-role"}, &out, &err,
                        {{"DATABASE_URL", owner}}), 1);
  EXPECT_NE(err.find("needs a role of its own"), std::string::npos) << err;
  EXPECT_EQ(RunReflexio({"migrate", "--database-url", owner, "--ensure-server-role"}, &out, &err), 2)
      << "without DATABASE_URL there is no role to make";
  pqxx::connection c(owner);
  pqxx::nontransaction(c).exec("DROP OWNED BY " + c.quote_name(role) + "; DROP ROLE " + c.quote_name(role));
}

}  // namespace
}  // namespace reflexio::testing
