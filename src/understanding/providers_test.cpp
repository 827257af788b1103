#include "understanding/providers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/test_support.h"
#include "core/ids.h"
#include "llm/testing/chat_peer.h"
#include "memory/core_memory.h"
#include "model/insight_body.h"
#include "memory/testing/letta_peer.h"
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
  auto provider = MakeUnderstandingProvider(config, PlainStores(*db_), nullptr);
  EXPECT_TRUE(provider->IsLocal());
  auto result = provider->Enrich(Episode());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->method.provider, "embedded");
  EXPECT_TRUE(peer_.requests().empty());
  EXPECT_EQ(MakeLettaSync(config, PlainStores(*db_), nullptr), nullptr);
}

TEST_F(ProvidersTest, PromptsToAConfiguredModelPassTheOutboundGuard) {
  auto provider = MakeUnderstandingProvider(config_, PlainStores(*db_), nullptr);
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
  auto provider = MakeUnderstandingProvider(config_, PlainStores(*db_), nullptr);
  for (int i = 0; i < 4; ++i) {  // more than the breaker's failures: a choice, not an outage
    auto result = provider->Enrich(Episode());
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->method.provider, "embedded");
    EXPECT_THAT(result->notes.front(), HasSubstr("opted out"));
  }
  EXPECT_TRUE(peer_.requests().empty());
  // A model marked local may serve them.
  config_.llm.local = true;
  auto local = MakeUnderstandingProvider(config_, PlainStores(*db_), nullptr);
  EXPECT_EQ(local->Enrich(Episode())->method.provider, "chat");
}

// The Letta mirror the server builds (MakeLettaSync) goes through the real OutboundGuard: what a
// tenant's memory holds is masked by their pii_mode, and nothing leaves for a tenant who opted out.
TEST_F(ProvidersTest, TheLettaMirrorPassesTheRealOutboundGuard) {
  testing::LettaPeer letta("letta-key");
  config_.letta = {letta.base_url(), "letta-key"};
  CoreMemory memory(*db_, clock_);
  Insight said;
  said.tenant_id = tenant_.id;
  said.id = NewId();
  said.episode_id = "ep1";
  said.kind = InsightKind::kPerson;
  said.at = clock_.Now();
  Evidence ref{"ep1", "rec-1", 0, 1.0, 2.5, clock_.Now()};
  said.body = nlohmann::json{{"text", "Anna (anna.k@example.org)"}, {"fields", nlohmann::json::object()},
                             {"evidence", nlohmann::json(std::vector<Evidence>{ref})}, {"method", {{"provider", "embedded"}}}}
                  .dump();
  auto learned = memory.Learn(tenant_.id, "ep1", {said});
  ASSERT_TRUE(learned.ok()) << learned.status().message();
  ASSERT_TRUE(db_->StoreEnrichment(tenant_.id, "ep1", *learned, clock_.Now()).ok());

  auto sync = MakeLettaSync(config_, PlainStores(*db_), nullptr);
  ASSERT_NE(sync, nullptr);
  auto block = sync->Sync(tenant_.id);
  ASSERT_TRUE(block.ok()) << block.status().message();
  std::string sent = letta.blocks()[*block]["value"];
  EXPECT_THAT(sent, HasSubstr("Anna"));
  EXPECT_THAT(sent, HasSubstr("[EMAIL]"));
  EXPECT_EQ(sent.find("anna.k@example.org"), std::string::npos) << sent;

  ASSERT_TRUE(db_->PutTenantSettings(tenant_.id, TenantSettings{.opt_out_training = true}).ok());
  int before = letta.requests();
  EXPECT_EQ(sync->Sync(tenant_.id).status().reason(), "remote_refused");
  EXPECT_EQ(letta.requests(), before) << "nothing reaches Letta for a tenant who opted out";
}

}  // namespace
}  // namespace reflexio
