// Digests and personal settings over HTTP: the day's digest in three formats — provisional right
// after a recording — listed, rebuilt on demand; settings validated.
#include <gtest/gtest.h>

#include <thread>

#include "core/local_time.h"
#include "core/test_support.h"
#include "digest/testing/telegram_peer.h"
#include <pqxx/pqxx>
#include <sqlite3.h>

#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

TEST(Digests, TheDayIsServedAsJsonMarkdownAndPdfAndSettingsAreChecked) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_TIMEZONE", "Asia/Tokyo"}});
  Client client(server.base_url(), server.first_run_key());
  Client other(server.base_url(), server.CreateKey("other"));

  json settings = client.GetJson("/v1/settings");
  EXPECT_EQ(settings["timezone"], "Asia/Tokyo") << "the server's default";
  EXPECT_EQ(settings["digest_time"], "22:50");
  auto changed = client.SendJson("PUT", "/v1/settings", R"({"timezone":"Europe/Moscow","digest_time":"21:30","telegram_chat_id":123456})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(json::parse(changed.body)["timezone"], "Europe/Moscow");
  EXPECT_EQ(json::parse(changed.body)["telegram_chat_id"], "123456");
  EXPECT_EQ(client.SendJson("PUT", "/v1/settings", R"({"timezone":"Mars/Olympus"})").status, 400);
  EXPECT_EQ(client.SendJson("PUT", "/v1/settings", R"({"digest_time":"25:00"})").status, 400);
  EXPECT_EQ(client.SendJson("PUT", "/v1/settings", R"({"colour":"blue"})").status, 400);
  EXPECT_EQ(other.GetJson("/v1/settings")["timezone"], "Asia/Tokyo") << "settings are per tenant";

  auto upload = client.Upload(ReadFileBytes((SpeechDir() / "3752-4944-0000.flac").string()), "audio/flac");
  ASSERT_EQ(upload.status, 202);
  ASSERT_EQ(client.WaitForRecording(json::parse(upload.body)["id"])["status"], "transcribed");
  std::string today = *LocalDate(SystemClock::Instance().Now(), "Europe/Moscow");

  json digest = client.GetJson("/v1/digests/today");
  EXPECT_EQ(digest["format"], "reflexio-digest-1");
  EXPECT_EQ(digest["date"], today);
  EXPECT_EQ(digest["timezone"], "Europe/Moscow");
  EXPECT_EQ(digest["figures"]["recordings"], 1);
  // Right after the recording its conversation is still going (a 90 s pause ends one): the
  // digest understands it on the spot and says so.
  EXPECT_TRUE(digest["provisional"].get<bool>()) << digest.dump();
  ASSERT_EQ(digest["timeline"].size(), 1u) << digest.dump();
  EXPECT_TRUE(digest["timeline"][0]["provisional"].get<bool>());
  EXPECT_TRUE(digest["timeline"][0]["summary"].is_string()) << digest.dump();
  EXPECT_EQ(digest["figures"]["episodes"], 1);
  auto md = client.Get("/v1/digests/" + today + "?format=md");
  ASSERT_EQ(md.status, 200);
  EXPECT_EQ(md.Header("content-type"), "text/markdown; charset=utf-8");
  EXPECT_NE(md.body.find("# Daily digest — " + today), std::string::npos) << md.body;
  EXPECT_NE(md.body.find("provisional: 1 conversation not yet understood"), std::string::npos) << md.body;
  auto pdf = client.Get("/v1/digests/" + today + "?format=pdf");
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.Header("content-type"), "application/pdf");
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
  json other_day = other.GetJson("/v1/digests/" + today);
  EXPECT_EQ(other_day["status"], "empty") << "another tenant's day holds nothing of this one";

  // Nothing new for the day, yet generate builds it again rather than serving the stored one.
  json stored = client.GetJson("/v1/digests");
  ASSERT_EQ(stored["items"].size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(client.GetJson("/v1/digests")["items"][0]["updated_at"], stored["items"][0]["updated_at"])
      << "reading it does not rebuild it";
  auto rebuilt = client.SendJson("POST", "/v1/digests/" + today + "/generate", "");
  ASSERT_EQ(rebuilt.status, 200) << rebuilt.body;
  json listed = client.GetJson("/v1/digests");
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_GT(ParseRfc3339(listed["items"][0]["updated_at"].get<std::string>())->time_since_epoch(),
            ParseRfc3339(stored["items"][0]["updated_at"].get<std::string>())->time_since_epoch())
      << "rebuilt now: " << listed.dump();
  EXPECT_EQ(listed["items"][0]["date"], today);
  EXPECT_EQ(listed["items"][0]["status"], "ready");
  // Another process holds the day's build: answered at once with 202 and when to ask again.
  auto set_lease = [&](const std::string& lease_until) {
    std::string sql = "UPDATE digests SET status = 'generating', lease_until = '" + lease_until + "' WHERE date = '" +
                      today + "' AND tenant_id = '" + digest["tenant_id"].get<std::string>() + "'";
    if (server.postgres()) {
      pqxx::connection owner(server.postgres()->owner_url());
      pqxx::work tx(owner);
      EXPECT_EQ(tx.exec(sql).affected_rows(), 1);
      tx.commit();
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "data/reflexio.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  };
  set_lease("2999-01-01T00:00:00.000Z");
  for (auto busy : {client.Get("/v1/digests/" + today), client.SendJson("POST", "/v1/digests/" + today + "/generate", "")}) {
    EXPECT_EQ(busy.status, 202) << busy.body;
    EXPECT_EQ(json::parse(busy.body)["status"], "generating") << busy.body;
    EXPECT_EQ(busy.Header("retry-after"), "2");
  }
  set_lease("2000-01-01T00:00:00.000Z");  // that build died: its lease ran out
  EXPECT_EQ(client.Get("/v1/digests/" + today).status, 200);

  auto exported = client.Get("/v1/privacy/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(exported.body.find("digests/" + today + ".pdf"), std::string::npos) << "digests leave with the export";
  EXPECT_EQ(client.Get("/v1/digests/2026-02-30").status, 400);
  EXPECT_EQ(client.Get("/v1/digests/today?format=docx").status, 400);
  EXPECT_EQ(client.Get("/v1/digests?from=2026-11-26&to=2026-11-01").status, 400);
}

constexpr const char* kToken = "987654:server-test-secret";

int CountOf(const std::vector<TelegramPeer::Delivered>& delivered, const std::string& method, const std::string& needle) {
  int n = 0;
  for (const auto& d : delivered) n += d.method == method && d.text.find(needle) != std::string::npos;
  return n;
}

TEST(Digests, TheScheduledDigestReachesTelegramOnceThroughAnOutageAndACrash) {
  TelegramPeer peer(kToken);
  peer.SetDown(true);
  TempDir dir;
  std::map<std::string, std::string> env = {
      {"REFLEXIO_SCHEDULER_INTERVAL_S", "0.3"}, {"REFLEXIO_TIMEZONE", "UTC"}, {"REFLEXIO_DIGEST_TIME", "00:00"},
      {"TELEGRAM_BOT_TOKEN", kToken}, {"TELEGRAM_CHAT_ID", "4242"}, {"TELEGRAM_API_URL", peer.api_url()},
      {"REFLEXIO_TELEGRAM_RETRY_BASE_S", "0.3"}, {"REFLEXIO_TELEGRAM_MAX_ATTEMPTS", "1000"},
      // a crash mid-send leaves a lease of 2·timeout + 10 s for the next server to wait out
      {"REFLEXIO_TELEGRAM_TIMEOUT_S", "1"}};
  auto first = std::make_unique<ServerProcess>(dir / "data", env);
  Client client(first->base_url(), first->first_run_key());
  std::string today = *LocalDate(SystemClock::Instance().Now(), "UTC");
  std::string yesterday = AddDays(today, -1);
  // Recorded in the last minute of yesterday: a day the server catches up on.
  std::string at = FormatRfc3339(AddSeconds(LocalDay(today, "UTC")->start, -60));
  auto upload = client.Upload(ReadFileBytes((SpeechDir() / "LJ001-0003.wav").string()), "audio/wav",
                              {{"X-Captured-At", at}});
  ASSERT_EQ(upload.status, 202) << upload.body;
  ASSERT_EQ(client.WaitForRecording(json::parse(upload.body)["id"])["status"], "transcribed");

  // Telegram is down: yesterday's digest and today's (empty) one wait in the outbox.
  json health, pending;
  ASSERT_TRUE(WaitUntil([&] {
    health = json::parse(client.Get("/health").body);
    pending = client.GetJson("/v1/digests/" + yesterday + "/deliveries");
    return health["checks"]["telegram"].value("pending", 0) == 2 && pending["items"].size() == 1 &&
           pending["items"][0].value("attempts", 0) >= 1;
  }, std::chrono::seconds(60))) << health.dump() << pending.dump();
  EXPECT_TRUE(health["checks"]["telegram"]["ok"].get<bool>()) << "retrying for minutes is not yet a failure";
  EXPECT_EQ(pending["items"][0]["state"], "pending");
  EXPECT_EQ(pending["items"][0]["chat_id"], "4242");
  EXPECT_NE(pending["items"][0]["error"].get<std::string>().find("502"), std::string::npos);
  EXPECT_NE(client.Get("/metrics/prometheus").body.find("reflexio_digest_deliveries_total{outcome=\"retry\"}"),
            std::string::npos);

  // The server crashes; Telegram comes back; a new server finishes the job, once.
  first->Kill();
  peer.SetDown(false);
  if (first->postgres() != nullptr) env["DATABASE_URL"] = first->postgres()->app_url();
  ServerProcess second(dir / "data", env);
  Client again(second.base_url(), first->first_run_key());
  ASSERT_TRUE(WaitUntil([&] { return CountOf(peer.delivered(), "sendDocument", "") == 2; }, std::chrono::seconds(60)))
      << again.GetJson("/v1/digests/" + yesterday + "/deliveries").dump() << second.stderr_text();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // several more rounds: nothing is sent again
  auto delivered = peer.delivered();
  EXPECT_EQ(delivered.size(), 4u) << "two digests, each one message and its PDF";
  EXPECT_EQ(CountOf(delivered, "sendMessage", "daily digest · " + yesterday), 1);
  EXPECT_EQ(CountOf(delivered, "sendMessage", "daily digest · " + today), 1);
  EXPECT_EQ(CountOf(delivered, "sendMessage", "1 recording(s)"), 1) << "yesterday's figures";
  for (const auto& d : delivered) EXPECT_EQ(d.chat_id, "4242");
  auto pdf = again.Get("/v1/digests/" + yesterday + "?format=pdf");
  ASSERT_EQ(pdf.status, 200);
  bool sent_that_pdf = false;
  for (const auto& d : delivered) {
    sent_that_pdf |= d.filename == "reflexio-digest-" + yesterday + ".pdf" && d.document == pdf.body;
  }
  EXPECT_TRUE(sent_that_pdf) << "the document is the day's PDF";
  json done = again.GetJson("/v1/digests/" + yesterday + "/deliveries");
  EXPECT_EQ(done["items"][0]["state"], "sent");
  EXPECT_EQ(done["items"][0]["steps_done"], done["items"][0]["steps"]);
  EXPECT_TRUE(json::parse(again.Get("/health").body)["checks"]["telegram"]["ok"].get<bool>());
  for (const std::string& log : {first->stderr_text(), second.stderr_text()}) {
    EXPECT_EQ(log.find(kToken), std::string::npos) << "the bot token never reaches the log";
  }
}

TEST(Digests, ADeliveryTelegramRefusesShowsInHealth) {
  TelegramPeer peer(kToken);
  peer.RestrictChats({"1"});
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_SCHEDULER_INTERVAL_S", "0.3"}, {"REFLEXIO_DIGEST_TIME", "00:00"},
                                      {"TELEGRAM_BOT_TOKEN", kToken}, {"TELEGRAM_CHAT_ID", "999"},
                                      {"TELEGRAM_API_URL", peer.api_url()}});
  Client client(server.base_url(), server.first_run_key());
  HttpResponse health;
  ASSERT_TRUE(WaitUntil([&] {
    health = client.Get("/health");
    return health.status == 503;
  }, std::chrono::seconds(30))) << health.body;
  json checks = json::parse(health.body)["checks"];
  EXPECT_FALSE(checks["telegram"]["ok"].get<bool>());
  EXPECT_EQ(checks["telegram"]["failed_last_24h"], 1);
  json today = client.GetJson("/v1/digests/today/deliveries");
  EXPECT_EQ(today["items"][0]["state"], "failed");
  EXPECT_NE(today["items"][0]["error"].get<std::string>().find("chat not found"), std::string::npos);
  EXPECT_TRUE(peer.delivered().empty());
}

}  // namespace
}  // namespace reflexio::testing
