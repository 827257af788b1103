// `reflexio check`: every readiness gate passes on a healthy stack with each outside service
// configured (local peers speaking the real protocols), and fails — with exit 1 and the gate
// named — for each broken part: a wrong master key, the database down, unmigrated or without
// row-level security, an object store that refuses writes, an unreachable LLM, a Telegram token
// Telegram refuses, a Stripe key Stripe refuses, a half-configured Stripe. `--post-deploy` runs
// the after-deployment list against a running server.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <fstream>

#include "billing/testing/stripe_peer.h"
#include "core/ids.h"
#include "digest/testing/telegram_peer.h"
#include "llm/testing/chat_peer.h"
#include "memory/testing/letta_peer.h"
#include "server_harness.h"
#include "storage/testing/postgres_fixture.h"
#include "storage/testing/s3_peer.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

struct Verdict {
  int exit_code = -1;
  json report;
  std::string err;
  std::string State(const std::string& gate) const {
    for (const json& g : report.value("gates", json::array())) {
      if (g["gate"] == gate) return g["state"];
    }
    return "missing";
  }
  std::string Detail(const std::string& gate) const {
    for (const json& g : report.value("gates", json::array())) {
      if (g["gate"] == gate) return g.dump();
    }
    return "missing";
  }
};

Verdict RunCheck(const std::string& data_dir, const std::map<std::string, std::string>& env) {
  Verdict v;
  std::string out;
  v.exit_code = RunReflexio({"check", "--json", "--data-dir", data_dir}, &out, &v.err, env);
  v.report = json::parse(out, nullptr, false);
  return v;
}

// A data directory a server has run on: a tenant with a recording (so a tenant key sealed by
// the master key), the master key file.
std::string PreparedDataDir(const TempDir& dir) {
  std::string data = dir / "data";
  ServerProcess server(data);
  Client client(server.base_url(), server.first_run_key());
  EXPECT_EQ(client.Upload(ReadFileBytes((SpeechDir() / "goforward.wav").string()), "audio/wav").status, 202);
  EXPECT_EQ(server.Stop(), 0);
  return data;
}

TEST(Check, EveryGatePassesOnAHealthyStackWithEachOutsideServiceConfigured) {
  TempDir dir;
  std::string data = PreparedDataDir(dir);
  TelegramPeer telegram("123:check-token");
  ChatPeer model;
  model.Script("", {{"ok"}});
  LettaPeer letta("letta-key");
  StripePeer stripe("sk_test_check-secret");
  std::string pricing = dir / "pricing.json";
  std::ofstream(pricing) << R"({"version": "check", "currency": "eur", "plans": [
      {"id": "free", "name": "Free", "price": 0, "daily_speech_minutes": 30},
      {"id": "premium", "name": "Premium", "price": 4.5, "interval": "month", "stripe_price_id": "price_1Check"}]})";
  Verdict v = RunCheck(data, {{"REFLEXIO_PRICING_FILE", pricing}, {"TELEGRAM_BOT_TOKEN", "123:check-token"},
                              {"TELEGRAM_API_URL", telegram.api_url()},
                              {"REFLEXIO_LLM_PROVIDER", "chat"}, {"REFLEXIO_LLM_BASE_URL", model.base_url()},
                              {"REFLEXIO_LLM_MODEL", "check-model"}, {"LETTA_API_URL", letta.base_url()},
                              {"LETTA_API_KEY", "letta-key"}, {"STRIPE_SECRET_KEY", "sk_test_check-secret"},
                              {"STRIPE_WEBHOOK_SECRET", "whsec_check-signing"}, {"STRIPE_API_URL", stripe.api_url()}});
  ASSERT_TRUE(v.report.is_object()) << v.err;
  EXPECT_EQ(v.exit_code, 0) << v.report.dump(2);
  EXPECT_TRUE(v.report["ok"]);
  for (const char* gate : {"settings", "pricing", "database", "master_key", "object_store", "disk", "clock", "asr", "metrics",
                           "telegram", "stripe", "llm", "letta"}) {
    EXPECT_EQ(v.State(gate), "ok") << v.Detail(gate);
  }
  EXPECT_NE(v.Detail("asr").find("center"), std::string::npos) << "the built-in clip says 'front center'";
  EXPECT_NE(v.Detail("telegram").find("@reflexio_test_bot"), std::string::npos) << v.Detail("telegram");
  EXPECT_EQ(v.report.dump().find("check-token"), std::string::npos) << "a secret was printed";
  EXPECT_EQ(v.report.dump().find("letta-key"), std::string::npos) << "a secret was printed";
  EXPECT_EQ(v.report.dump().find("check-s"), std::string::npos) << "a secret was printed";
  EXPECT_NE(v.Detail("stripe").find("test mode"), std::string::npos) << v.Detail("stripe");
  EXPECT_EQ(stripe.requests(), 1);
  EXPECT_NE(v.Detail("pricing").find("2 plans, check; free: 30 min a day"), std::string::npos) << v.Detail("pricing");
  EXPECT_EQ(telegram.delivered().size(), 0u) << "getMe sends nothing";
}

TEST(Check, AWrongMasterKeyFailsItsGate) {
  TempDir dir;
  std::string data = PreparedDataDir(dir);
  std::string other = dir / "other.key";
  std::ofstream(other) << std::string(64, 'b') << "\n";
  std::filesystem::permissions(other, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Verdict v = RunCheck(data, {{"REFLEXIO_KEY_FILE", other}});
  EXPECT_EQ(v.exit_code, 1) << v.report.dump(2);
  EXPECT_EQ(v.State("master_key"), "FAIL") << v.Detail("master_key");
  EXPECT_EQ(v.State("database"), "ok");
}

TEST(Check, AStripeKeyStripeRefusesFailsAndAHalfConfiguredStripeFailsTheSettings) {
  TempDir dir;
  std::string data = PreparedDataDir(dir);
  StripePeer stripe("sk_test_the-real-secret");
  Verdict refused = RunCheck(data, {{"STRIPE_SECRET_KEY", "sk_test_a-wrong-keyQ7Z9"},
                                    {"STRIPE_WEBHOOK_SECRET", "whsec_signing"}, {"STRIPE_API_URL", stripe.api_url()}});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.State("stripe"), "FAIL") << refused.Detail("stripe");
  EXPECT_NE(refused.Detail("stripe").find("Developers"), std::string::npos) << refused.Detail("stripe");
  EXPECT_EQ(refused.report.dump().find("wrong-key"), std::string::npos) << "the key is never printed";
  EXPECT_EQ(refused.report.dump().find("Q7Z9"), std::string::npos) << "not even the end Stripe quotes";
  EXPECT_EQ(refused.State("settings"), "ok") << refused.Detail("settings");

  Verdict half = RunCheck(data, {{"STRIPE_SECRET_KEY", "sk_test_the-real-secret"}, {"STRIPE_API_URL", stripe.api_url()}});
  EXPECT_EQ(half.exit_code, 1);
  EXPECT_EQ(half.State("settings"), "FAIL") << half.Detail("settings");
  EXPECT_NE(half.Detail("settings").find("STRIPE_WEBHOOK_SECRET"), std::string::npos) << half.Detail("settings");
  EXPECT_EQ(half.State("stripe"), "ok") << "the key itself works: " << half.Detail("stripe");
  EXPECT_EQ(half.State("pricing"), "FAIL") << "the built-in plans have no Stripe price ids: " << half.Detail("pricing");
  EXPECT_NE(half.Detail("pricing").find("stripe_price_id"), std::string::npos) << half.Detail("pricing");
}

TEST(Check, ATelegramTokenTelegramRefusesAndAnUnreachableLlmFail) {
  TempDir dir;
  std::string data = PreparedDataDir(dir);
  TelegramPeer telegram("123:the-real-token");
  Verdict v = RunCheck(data, {{"TELEGRAM_BOT_TOKEN", "123:a-wrong-token"}, {"TELEGRAM_API_URL", telegram.api_url()},
                              {"REFLEXIO_LLM_PROVIDER", "chat"}, {"REFLEXIO_LLM_BASE_URL", "http://127.0.0.1:1/v1"},
                              {"REFLEXIO_LLM_MODEL", "gone"}});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_EQ(v.State("telegram"), "FAIL") << v.Detail("telegram");
  EXPECT_NE(v.Detail("telegram").find("@BotFather"), std::string::npos) << v.Detail("telegram");
  EXPECT_EQ(v.Detail("telegram").find("a-wrong-token"), std::string::npos) << "the token is never printed";
  EXPECT_EQ(v.State("llm"), "FAIL") << v.Detail("llm");
  EXPECT_EQ(v.State("asr"), "ok") << "the other gates still run";
}

// The store answers, but refuses the write (here: the bucket named does not exist).
TEST(Check, AnObjectStoreThatRefusesWritesFailsItsGate) {
  TempDir dir;
  std::string data = PreparedDataDir(dir);
  S3Peer s3;
  Verdict v = RunCheck(data, {{"REFLEXIO_BLOB_BACKEND", "s3"}, {"REFLEXIO_S3_ENDPOINT", s3.endpoint()},
                              {"REFLEXIO_S3_BUCKET", "no-such-bucket"}, {"REFLEXIO_S3_ACCESS_KEY_ID", S3Peer::kAccessKeyId},
                              {"REFLEXIO_S3_SECRET_ACCESS_KEY", S3Peer::kSecretAccessKey}});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_EQ(v.State("object_store"), "FAIL") << v.Detail("object_store");
  EXPECT_NE(v.Detail("object_store").find("cannot write"), std::string::npos) << v.Detail("object_store");
}

TEST(Check, PostgresDownUnmigratedOrWithoutRowLevelSecurityFailsTheDatabaseGate) {
  PostgresTestDatabase pg;
  TempDir dir;
  std::string key_file = dir / "master.key";
  std::ofstream(key_file) << std::string(64, 'd') << "\n";
  std::filesystem::permissions(key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::map<std::string, std::string> env = {{"DATABASE_URL", pg.app_url()}, {"REFLEXIO_KEY_FILE", key_file}};
  Verdict healthy = RunCheck(dir / "data", env);
  EXPECT_EQ(healthy.exit_code, 0) << healthy.report.dump(2);
  EXPECT_NE(healthy.Detail("database").find("row-level security"), std::string::npos) << healthy.Detail("database");
  EXPECT_EQ(healthy.State("clock"), "ok") << healthy.Detail("clock");

  auto down = env;
  down["DATABASE_URL"] = "postgresql://reflexio_server@127.0.0.1:1/nothing";
  Verdict refused = RunCheck(dir / "data", down);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.State("database"), "FAIL") << refused.Detail("database");

  std::string empty_db = "reflexio_empty_" + NewId().substr(24);
  std::replace(empty_db.begin(), empty_db.end(), '-', '_');
  {
    pqxx::connection c(PostgresTestDatabase::AdminUrl());
    pqxx::nontransaction(c).exec("CREATE DATABASE " + c.quote_name(empty_db));
  }
  auto unmigrated = env;
  unmigrated["DATABASE_URL"] = pg.app_url().substr(0, pg.app_url().rfind('/') + 1) + empty_db;
  Verdict fresh = RunCheck(dir / "data", unmigrated);
  EXPECT_EQ(fresh.exit_code, 1);
  EXPECT_EQ(fresh.State("database"), "FAIL") << fresh.Detail("database");
  EXPECT_NE(fresh.Detail("database").find("reflexio migrate"), std::string::npos) << fresh.Detail("database");
  {
    pqxx::connection c(PostgresTestDatabase::AdminUrl());
    pqxx::nontransaction(c).exec("DROP DATABASE " + c.quote_name(empty_db) + " WITH (FORCE)");
  }

  {
    pqxx::connection c(pg.owner_url());
    pqxx::nontransaction(c).exec("ALTER TABLE segments NO FORCE ROW LEVEL SECURITY");
  }
  Verdict unforced = RunCheck(dir / "data", env);
  EXPECT_EQ(unforced.exit_code, 1);
  EXPECT_EQ(unforced.State("database"), "FAIL") << unforced.Detail("database");
  EXPECT_NE(unforced.Detail("database").find("segments: row-level security is not forced"), std::string::npos)
      << unforced.Detail("database");
}

TEST(Check, PostDeployRunsTheListAgainstARunningServer) {
  TempDir dir;
  TelegramPeer telegram("123:post-deploy");
  ServerProcess server(dir / "data", {{"TELEGRAM_BOT_TOKEN", "123:post-deploy"}, {"TELEGRAM_API_URL", telegram.api_url()},
                                      {"TELEGRAM_CHAT_ID", "4242"}});
  std::string key = server.first_run_key();
  std::string out, err;
  ASSERT_EQ(RunReflexio({"check", "--post-deploy", server.base_url(), "--key", key, "--json"}, &out, &err), 0)
      << out << err;
  json report = json::parse(out);
  std::vector<std::string> seen;
  for (const json& step : report["steps"]) {
    seen.push_back(step["step"]);
    EXPECT_EQ(step["state"], "ok") << step.dump();
    EXPECT_GE(step["seconds"].get<double>(), 0.0);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"health", "upload", "transcript", "digest", "delivery", "retention"}));
  EXPECT_NE(out.find("center"), std::string::npos) << "the transcript of the built-in clip: " << out;
  EXPECT_NE(out.find("today's digest to Telegram: sent"), std::string::npos) << out;
  ASSERT_FALSE(telegram.delivered().empty()) << "the digest reached Telegram";
  EXPECT_EQ(telegram.delivered()[0].chat_id, "4242");
  EXPECT_NE(out.find("a dry run would delete"), std::string::npos) << out;
  EXPECT_EQ(Client(server.base_url(), key).GetJson("/v1/recordings")["items"].size(), 1u) << "the dry run kept it";

  EXPECT_EQ(RunReflexio({"check", "--post-deploy", server.base_url(), "--key", "rfx_wrong"}, &out, &err), 1) << out;
  EXPECT_NE(out.find("FAIL"), std::string::npos) << out;
  EXPECT_EQ(RunReflexio({"check", "--post-deploy", server.base_url()}, &out, &err), 2) << "no key: a usage error";
}

// The embedded default sends no digests: the delivery step says so and the list still passes,
// and asking the API to deliver answers 409 with what to do.
TEST(Check, PostDeployPassesOnADefaultServerWithoutTelegram) {
  TempDir dir;
  ServerProcess server(dir / "data");
  std::string key = server.first_run_key();
  std::string out, err;
  EXPECT_EQ(RunReflexio({"check", "--post-deploy", server.base_url(), "--key", key}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("skipped: the server has no TELEGRAM_BOT_TOKEN"), std::string::npos) << out;
  auto deliver = Client(server.base_url(), key).SendJson("POST", "/v1/digests/today/deliver", "");
  EXPECT_EQ(deliver.status, 409) << deliver.body;
  EXPECT_NE(deliver.body.find("telegram_not_configured"), std::string::npos) << deliver.body;
}

}  // namespace
}  // namespace reflexio::testing
