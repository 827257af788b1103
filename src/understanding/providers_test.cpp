#include "understanding/providers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/test_support.h"
#include "llm/testing/chat_peer.h"
#include "storage/migrations.h"
#include "storage/sqlite_database.h"

namespace reflexio {
namespace {

using ::testing::HasSubstr;

const char* kSummary = R"({"summary":"Mail Anna.","evidence":[1]})";
const char* kExtraction = R"({"topics":[{"text":"mail","evidence":[1]}],"people":[],"places":[],"actions":[],
  "emotion":{"valence":0,"emotions":[],"evidence":[]},"urgency":"low"})";

class ProvidersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(SqliteDatabase::Open(dir_ / "reflexio.db", EmbeddedSqliteMigrations(), clock_).value());
    tenant_ = db_->EnsureTenant("alice").value();
    peer_.Script("episode_summary", {{kSummary}});
    peer_.Script("episode_extraction", {{kExtraction}});
    config_.llm.provider = "chat";
    config_.llm.base_url = peer_.base_url();
    config_.llm.model = "peer-model";
    config_.pii_mode = "mask";
  }
  EpisodeTranscript Episode() {
    EpisodeTranscript e;
    e.tenant_id = tenant_.id;
    e.utterances = {{"r", 0, clock_.Now(), 0, 3, "mail anna at anna.k@example.org", "trusted", 0.9}};
    return e;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::ChatPeer peer_;
  std::unique_ptr<SqliteDatabase> db_;
  Tenant tenant_;
  Config config_;
};

TEST_F(ProvidersTest, TheEmbeddedDefaultSendsNothing) {
  Config config;
  auto provider = MakeUnderstandingProvider(config, *db_, nullptr);
  EXPECT_TRUE(provider->IsLocal());
  auto result = provider->Enrich(Episode());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->method.provider, "embedded");
  EXPECT_TRUE(peer_.requests().empty());
  EXPECT_EQ(MakeLettaSync(config, *db_, nullptr), nullptr);
}

TEST_F(ProvidersTest, PromptsToAConfiguredModelPassTheOutboundGuard) {
  auto provider = MakeUnderstandingProvider(config_, *db_, nullptr);
  EXPECT_FALSE(provider->IsLocal());
  auto result = provider->Enrich(Episode());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->method.provider, "chat");
  ASSERT_FALSE(peer_.requests().empty());
  std::string prompt = peer_.requests()[0]["messages"][1]["content"];
  EXPECT_THAT(prompt, HasSubstr("[EMAIL]"));  // masked, the tenant's default mode
  EXPECT_EQ(prompt.find("anna.k@example.org"), std::string::npos);
}

TEST_F(ProvidersTest, AnOptedOutTenantIsUnderstoodLocally) {
  ASSERT_TRUE(db_->PutTenantSettings(tenant_.id, TenantSettings{.opt_out_training = true}).ok());
  auto provider = MakeUnderstandingProvider(config_, *db_, nullptr);
  for (int i = 0; i < 4; ++i) {  // more than the breaker's failures: a choice, not an outage
    auto result = provider->Enrich(Episode());
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->method.provider, "embedded");
    EXPECT_THAT(result->notes.front(), HasSubstr("opted out"));
  }
  EXPECT_TRUE(peer_.requests().empty());
  // A model marked local may serve them.
  config_.llm.local = true;
  auto local = MakeUnderstandingProvider(config_, *db_, nullptr);
  EXPECT_EQ(local->Enrich(Episode())->method.provider, "chat");
}

}  // namespace
}  // namespace reflexio
