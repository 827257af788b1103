#include "memory/core_memory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/ids.h"
#include "core/test_support.h"
#include "model/insight_body.h"
#include "memory/letta_sync.h"
#include "memory/testing/letta_peer.h"
#include "storage/migrations.h"
#include "storage/sqlite_database.h"

namespace reflexio {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class MemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(SqliteDatabase::Open(dir_ / "reflexio.db", EmbeddedSqliteMigrations(), clock_).value());
    tenant_ = db_->EnsureTenant("alice").value();
  }

  // An episode insight as the enricher writes it, said by segment 0 of `recording`.
  Insight Said(const std::string& episode, const std::string& kind, const std::string& text, json fields = json::object()) {
    Insight i;
    i.tenant_id = tenant_.id;
    i.id = NewId();
    i.episode_id = episode;
    i.kind = ParseInsightKind(kind).value();
    i.at = clock_.Now();
    Evidence ref{episode, "rec-" + episode, 0, 1.0, 2.5, clock_.Now()};
    i.body = json{{"text", text}, {"fields", fields}, {"evidence", json(std::vector<Evidence>{ref})},
                  {"method", {{"provider", "embedded"}}}}.dump();
    return i;
  }

  std::vector<Insight> Core() { return db_->ListInsights(tenant_.id, {.scope = InsightScope::kCore}, 100, "")->items; }

  void Store(const std::string& episode, const std::vector<Insight>& learned) {
    ASSERT_TRUE(db_->StoreEnrichment(tenant_.id, episode, learned, clock_.Now()).ok());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<SqliteDatabase> db_;
  Tenant tenant_;
};

TEST_F(MemoryTest, RepeatedMentionsBecomeOneEntryWithAllTheirEvidence) {
  CoreMemory memory(*db_, clock_);
  auto first = memory.Learn(tenant_.id, "ep1", {Said("ep1", "person", "Stella"), Said("ep1", "topic", "cats"),
                                                Said("ep1", "summary", "a talk about cats")});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);  // a summary teaches no lasting fact
  Store("ep1", *first);
  clock_.Advance(3600);
  auto second = memory.Learn(tenant_.id, "ep2", {Said("ep2", "person", "stella", {{"relation", "sister"}}),
                                                 Said("ep2", "person", "Stella"), Said("ep2", "topic", "cat")});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 2u);  // Stella twice in one episode, and "cat" is "cats"
  Store("ep2", *second);

  auto core = Core();
  ASSERT_EQ(core.size(), 2u);
  auto stella = std::find_if(core.begin(), core.end(), [](const Insight& i) { return i.kind == InsightKind::kPerson; });
  json body = json::parse(stella->body);
  EXPECT_EQ(body["label"], "Stella");  // the first spelling stays
  EXPECT_EQ(body["mentions"], 3);
  EXPECT_EQ(body["episodes"], json::array({"ep1", "ep2"}));
  EXPECT_EQ(body["detail"]["relation"], "sister");
  ASSERT_EQ(body["evidence"].size(), 3u);
  EXPECT_EQ(body["evidence"][0]["recording_id"], "rec-ep1");
  EXPECT_EQ(body["learned_from"].size(), 3u);
  EXPECT_DOUBLE_EQ(body["confidence"]["value"].get<double>(), 0.75);  // two conversations
  EXPECT_EQ(body["confidence"]["basis"], "repetition");
}

// A person met in 25 conversations: every mention is counted, but only the newest 20 pieces of
// evidence (and the insights they came from) are kept.
TEST_F(MemoryTest, EvidenceIsCappedAtTheNewestTwenty) {
  CoreMemory memory(*db_, clock_);
  for (int i = 1; i <= 25; ++i) {
    std::string episode = "ep" + std::to_string(i);
    auto learned = memory.Learn(tenant_.id, episode, {Said(episode, "person", "Stella")});
    ASSERT_TRUE(learned.ok());
    Store(episode, *learned);
    clock_.Advance(3600);
  }
  auto core = Core();
  ASSERT_EQ(core.size(), 1u);
  json body = json::parse(core[0].body);
  EXPECT_EQ(body["mentions"], 25);
  EXPECT_EQ(body["episodes"].size(), 25u);
  ASSERT_EQ(body["evidence"].size(), CoreMemory::kMaxEvidence);
  EXPECT_EQ(body["evidence"].front()["recording_id"], "rec-ep6") << "the oldest five went";
  EXPECT_EQ(body["evidence"].back()["recording_id"], "rec-ep25");
  EXPECT_EQ(body["learned_from"].size(), CoreMemory::kMaxEvidence);
}

TEST_F(MemoryTest, OnlyTheSpeakersOwnOpenCommitmentsAreRemembered) {
  CoreMemory memory(*db_, clock_);
  auto learned = memory.Learn(
      tenant_.id, "ep1",
      {Said("ep1", "action", "send the report", {{"who", "me"}, {"commitment", true}, {"due_date", "2026-11-27"}}),
       Said("ep1", "action", "call stella", {{"who", "you"}, {"commitment", false}})});
  ASSERT_EQ(learned->size(), 1u);
  EXPECT_EQ((*learned)[0].kind, InsightKind::kCommitment);
  EXPECT_EQ(json::parse((*learned)[0].body)["detail"]["due_date"], "2026-11-27");
}

TEST_F(MemoryTest, ThePersonsEditsStandAndFeedThePrompt) {
  CoreMemory memory(*db_, clock_);
  Store("ep1", *memory.Learn(tenant_.id, "ep1", {Said("ep1", "person", "Stela"), Said("ep1", "place", "office")}));
  Store("ep2", *memory.Learn(tenant_.id, "ep2", {Said("ep2", "place", "office")}));
  auto core = Core();
  auto stela = std::find_if(core.begin(), core.end(), [](const Insight& i) { return i.kind == InsightKind::kPerson; });
  auto edited = memory.Edit(tenant_.id, stela->id, {{"label", "Stella"}, {"detail", {{"relation", "sister"}}}});
  ASSERT_TRUE(edited.ok()) << edited.status().message();
  // A later mention of the corrected name joins the edited entry and leaves the edit alone.
  Store("ep3", *memory.Learn(tenant_.id, "ep3", {Said("ep3", "person", "Stella", {{"relation", "friend"}})}));
  auto entry = db_->GetInsight(tenant_.id, stela->id).value();
  json body = json::parse(entry->body);
  EXPECT_EQ(body["detail"]["relation"], "sister");
  EXPECT_EQ(body["episodes"].size(), 2u);
  EXPECT_TRUE(body["edited_by_person"].get<bool>());

  auto context = memory.PromptContext(tenant_.id);
  ASSERT_TRUE(context.ok());
  EXPECT_THAT(*context, HasSubstr("- person: Stella (relation: sister)"));
  EXPECT_THAT(*context, HasSubstr("- place: office; in 2 conversation(s)"));
  EXPECT_LE(memory.PromptContext(tenant_.id, 60)->size(), 60u);

  EXPECT_EQ(memory.Edit(tenant_.id, stela->id, {{"label", "   "}}).status().reason(), "invalid_label");
  auto office = std::find_if(core.begin(), core.end(), [](const Insight& i) { return i.kind == InsightKind::kPlace; });
  EXPECT_EQ(memory.Edit(tenant_.id, office->id, {{"label", "Office"}}).ok(), true);
  EXPECT_EQ(memory.Edit(tenant_.id, "no-such-id", {{"label", "x"}}).status().code(), ErrorCode::kNotFound);
  Tenant bob = db_->EnsureTenant("bob").value();
  EXPECT_EQ(memory.Edit(bob.id, stela->id, {{"label", "x"}}).status().code(), ErrorCode::kNotFound);
}

TEST_F(MemoryTest, LettaSyncCreatesTheTenantsBlockOnceThenReplacesItsValue) {
  CoreMemory memory(*db_, clock_);
  Store("ep1", *memory.Learn(tenant_.id, "ep1", {Said("ep1", "person", "Stella")}));
  testing::LettaPeer letta("letta-key");
  std::vector<std::string> guarded;
  LettaSync sync({letta.base_url(), "letta-key"}, std::make_shared<CurlHttpClient>(), *db_,
                 [&](const std::string&, std::string_view text) -> Result<std::string> {
                   guarded.emplace_back(text);
                   return std::string(text);
                 });
  auto id = sync.Sync(tenant_.id);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto blocks = letta.blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[*id]["label"], LettaSync::BlockLabel(tenant_.id));
  EXPECT_THAT(blocks[*id]["value"].get<std::string>(), HasSubstr("Stella"));
  ASSERT_EQ(guarded.size(), 1u);

  Store("ep2", *memory.Learn(tenant_.id, "ep2", {Said("ep2", "place", "bakery")}));
  auto again = sync.Sync(tenant_.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *id);
  blocks = letta.blocks();
  ASSERT_EQ(blocks.size(), 1u);  // replaced, not duplicated
  EXPECT_THAT(blocks[*id]["value"].get<std::string>(), HasSubstr("bakery"));

  // A wrong key is an error the caller sees; a guard refusal sends nothing.
  LettaSync wrong({letta.base_url(), "other"}, std::make_shared<CurlHttpClient>(), *db_,
                  [](const std::string&, std::string_view t) -> Result<std::string> { return std::string(t); });
  EXPECT_EQ(wrong.Sync(tenant_.id).status().reason(), "letta_failed");
  int before = letta.requests();
  LettaSync refused({letta.base_url(), "letta-key"}, std::make_shared<CurlHttpClient>(), *db_,
                    [](const std::string&, std::string_view) -> Result<std::string> {
                      return Status(ErrorCode::kPermissionDenied, "remote_refused", "opted out");
                    });
  EXPECT_EQ(refused.Sync(tenant_.id).status().reason(), "remote_refused");
  EXPECT_EQ(letta.requests(), before);
}

}  // namespace
}  // namespace reflexio
