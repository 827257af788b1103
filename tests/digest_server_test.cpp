// Digests and personal settings over HTTP: the day's digest in three formats, listed, rebuilt
// on demand; settings validated.
#include <gtest/gtest.h>

#include "core/local_time.h"
#include "core/test_support.h"
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
  auto md = client.Get("/v1/digests/" + today + "?format=md");
  ASSERT_EQ(md.status, 200);
  EXPECT_EQ(md.Header("content-type"), "text/markdown; charset=utf-8");
  EXPECT_NE(md.body.find("# Daily digest — " + today), std::string::npos) << md.body;
  auto pdf = client.Get("/v1/digests/" + today + "?format=pdf");
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.Header("content-type"), "application/pdf");
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
  json other_day = other.GetJson("/v1/digests/" + today);
  EXPECT_EQ(other_day["status"], "empty") << "another tenant's day holds nothing of this one";

  auto rebuilt = client.SendJson("POST", "/v1/digests/" + today + "/generate", "");
  ASSERT_EQ(rebuilt.status, 200) << rebuilt.body;
  json listed = client.GetJson("/v1/digests");
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["date"], today);
  EXPECT_EQ(listed["items"][0]["status"], "ready");
  auto exported = client.Get("/v1/privacy/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(exported.body.find("digests/" + today + ".pdf"), std::string::npos) << "digests leave with the export";
  EXPECT_EQ(client.Get("/v1/digests/2026-02-30").status, 400);
  EXPECT_EQ(client.Get("/v1/digests/today?format=docx").status, 400);
  EXPECT_EQ(client.Get("/v1/digests?from=2026-11-26&to=2026-11-01").status, 400);
}

}  // namespace
}  // namespace reflexio::testing
