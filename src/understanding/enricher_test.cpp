#include "understanding/enricher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/ids.h"
#include "core/test_support.h"
#include "crypto/keys.h"
#include "llm/cascade.h"
#include "llm/chat_provider.h"
#include "llm/embedded_provider.h"
#include "llm/testing/chat_peer.h"
#include "memory/testing/letta_peer.h"
#include "privacy/keyring.h"
#include "privacy/master_key.h"
#include "privacy/sealed_stores.h"
#include "storage/migrations.h"
#include "storage/sqlite_database.h"
#include "text/normalize.h"
#include "understanding/episodes.h"

namespace reflexio {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;

struct Said {
  std::string text;
  double arousal;
  std::string quality = "trusted";
  double seconds = 3;  // how long it was said for
};

class EnricherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::move(SqliteDatabase::Open(dir_ / "reflexio.db", EmbeddedSqliteMigrations(), clock_).value());
    keyring_ = std::make_unique<Keyring>(PlainStores(*backend_), MasterKeys{MasterKey::From(NewDataKey())});
    sealed_ = std::make_unique<SealedStores>(*backend_, *keyring_);
    tenant_ = db().tenants.EnsureTenant("alice").value();
  }

  // One recording captured `offset_s` after the clock's start, a segment per utterance, each 1 s
  // after the one before ended.
  std::string Record(double offset_s, const std::vector<Said>& utterances) {
    Recording r;
    r.tenant_id = tenant_.id;
    r.id = NewId();
    r.content_type = "audio/flac";
    r.body_sha256 = "00";
    r.captured_at = AddSeconds(start_, offset_s);
    r.received_at = clock_.Now();
    r.source_path = "incoming/" + r.id;
    EXPECT_TRUE(db().recordings.InsertRecording(r, "transcribe", 3).ok());
    auto job = db().jobs.ClaimJob("w", 30);
    Transcription t;
    t.engine = "test";
    double next_start = 0;
    for (size_t i = 0; i < utterances.size(); ++i) {
      Segment s;
      s.seq = static_cast<int>(i);
      s.start_s = next_start;
      s.end_s = next_start + utterances[i].seconds;
      next_start = s.end_s + 1;
      s.captured_at = AddSeconds(r.captured_at, s.start_s);
      s.text = utterances[i].text;
      double at = s.start_s;
      for (const auto& word : NormalizedWords(s.text)) s.words.push_back({word, at, at += 0.3, 0.8});
      s.quality = utterances[i].quality;
      s.prosody_json = json{{"arousal", utterances[i].arousal}}.dump();
      t.segments.push_back(s);
    }
    EXPECT_TRUE(db().transcripts.CompleteTranscription(**job, t).ok());
    return r.id;
  }

  // Groups and closes everything recorded so far.
  void CloseEpisodes() {
    clock_.Advance(1000);
    EpisodeBuilder builder(db(), 90, clock_);
    ASSERT_TRUE(builder.Run().ok());
    clock_.Advance(1000);
    ASSERT_TRUE(builder.Run().ok());
  }

  std::vector<Insight> Of(const std::string& kind) {
    return db().insights.ListInsights(tenant_.id, {.kind = ParseInsightKind(kind).value()}, 100, "")->items;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  TimePoint start_ = *ParseRfc3339("2026-11-26T09:00:00Z");
  std::unique_ptr<Database> backend_;
  std::unique_ptr<Keyring> keyring_;
  std::unique_ptr<SealedStores> sealed_;
  const Stores& db() const { return sealed_->stores(); }
  Tenant tenant_;
};

TEST_F(EnricherTest, ADayOfConversationsIsUnderstoodOnceWithEvidenceEmotionsAndMemory) {
  EmbeddedProvider embedded;
  Enricher enricher(db(), embedded, clock_);
  // Morning: errands, calmly. Evening (9 hours later): Stella again, excitedly.
  std::string morning = Record(0, {{"please call stella", 0.2},
                                   {"ask her to bring these things with her from the store tomorrow", 0.3},
                                   {"i am worried about the budget", 0.4}});
  CloseEpisodes();
  auto report = enricher.Run();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->episodes_enriched, 1);
  EXPECT_EQ(enricher.Run()->episodes_enriched, 0) << "once";

  auto actions = Of("action");
  ASSERT_EQ(actions.size(), 2u);
  for (const Insight& action : actions) {
    EXPECT_EQ(action.state, InsightState::kOpen);
    json body = json::parse(action.body);
    ASSERT_EQ(body["evidence"].size(), 1u);
    EXPECT_EQ(body["evidence"][0]["recording_id"], morning);
    EXPECT_EQ(body["method"]["provider"], "embedded");
    EXPECT_EQ(body["confidence"]["basis"], "asr_word_confidence");
  }
  auto bring = std::find_if(actions.begin(), actions.end(), [](const Insight& a) { return a.due_date.has_value(); });
  ASSERT_NE(bring, actions.end());
  EXPECT_EQ(*bring->due_date, "2026-11-27");

  auto emotions = Of("emotion");
  ASSERT_EQ(emotions.size(), 1u);
  json emotion = json::parse(emotions[0].body)["fields"];
  EXPECT_LT(emotion["valence"].get<double>(), 0);  // "worried"
  EXPECT_NEAR(emotion["arousal"].get<double>(), 0.3, 1e-9);  // equal lengths: the mean of the voice's parts
  EXPECT_EQ(emotion["quadrant"], "low");
  EXPECT_EQ(emotion["parts"]["voice"]["segments"], 3);
  EXPECT_EQ(emotion["parts"]["words"]["emotions"]["fear"], 1);

  auto session = Of("session");
  ASSERT_EQ(session.size(), 1u);
  json tokens = json::parse(session[0].body)["fields"]["tokens"];
  EXPECT_EQ(tokens["memory_context"], 0);  // memory was empty
  EXPECT_GT(tokens["transcript"].get<int>(), 10);

  auto core = db().insights.ListInsights(tenant_.id, {.scope = InsightScope::kCore}, 100, "")->items;
  EXPECT_THAT([&] {
    std::vector<std::string> labels;
    for (const auto& c : core) labels.push_back(json::parse(c.body)["label"]);
    return labels;
  }(), Contains("Stella"));

  // The evening conversation: memory is in the context, and it is smaller than the history it stands for.
  for (int i = 0; i < 4; ++i) {
    Record(9 * 3600 + i * 20, {{"i talked with stella about the store and the budget review", 0.8},
                               {"the budget review went well and everyone was happy", 0.9}});
  }
  CloseEpisodes();
  ASSERT_EQ(enricher.Run()->episodes_enriched, 1);
  session = Of("session");
  ASSERT_EQ(session.size(), 2u);
  json evening = json::parse(session[0].body)["fields"]["tokens"];
  EXPECT_GT(evening["memory_context"].get<int>(), 0);
  EXPECT_EQ(evening["raw_history"], tokens["transcript"]);
  auto stella = db().insights.FindInsightByKey(tenant_.id, InsightScope::kCore, InsightKind::kPerson, "stella").value();
  ASSERT_TRUE(stella);
  json remembered = json::parse(stella->body);
  EXPECT_EQ(remembered["episodes"].size(), 2u);
  EXPECT_GT(remembered["confidence"]["value"].get<double>(), 0.5);
  auto evening_emotion = json::parse(Of("emotion")[0].body)["fields"];
  EXPECT_EQ(evening_emotion["quadrant"], "excited");
}

TEST_F(EnricherTest, AConfiguredModelGetsMemoryAndTheEmbeddedRulesCatchItsFailures) {
  testing::ChatPeer peer;
  peer.Script("episode_summary", {{R"({"summary":"Stella will bring things from the store.","evidence":[1,2]})"}});
  peer.Script("episode_extraction", {{R"({"topics":[{"text":"store","evidence":[2]}],
    "people":[{"name":"Stella","relation":"sister","evidence":[1]}],"places":[{"name":"store","evidence":[2]}],
    "actions":[{"who":"me","what":"call Stella","commitment":true,"due_phrase":"tonight","evidence":[1]}],
    "emotion":{"valence":0.1,"emotions":["neutral"],"evidence":[]},"urgency":"high"})"}});
  ChatConfig config{peer.base_url(), "", "test-model", 5};
  auto chat = std::make_shared<ChatProvider>(std::make_shared<ChatClient>(config, std::make_shared<CurlHttpClient>()),
                                             [](const std::string&, std::string_view t) -> Result<std::string> {
                                               return std::string(t);
                                             },
                                             ChatProviderOptions{.density_rounds = 1});
  ProviderCascade cascade({chat, std::make_shared<EmbeddedProvider>()}, 3, 60, clock_);
  Enricher enricher(db(), cascade, clock_);
  Record(0, {{"i will call stella tonight", 0.5}, {"she is bringing things from the store", 0.5}});
  CloseEpisodes();
  ASSERT_EQ(enricher.Run()->episodes_enriched, 1);
  auto actions = Of("action");
  ASSERT_EQ(actions.size(), 1u);
  json action = json::parse(actions[0].body);
  EXPECT_EQ(action["method"]["provider"], "chat");
  EXPECT_EQ(action["method"]["model"], "test-model");
  EXPECT_EQ(action["confidence"]["basis"], "deepconf");
  EXPECT_EQ(*actions[0].due_date, "2026-11-26");  // "tonight", said on the 26th
  auto core = db().insights.FindInsightByKey(tenant_.id, InsightScope::kCore, InsightKind::kCommitment, "call stella").value();
  ASSERT_TRUE(core);

  // The model goes away: the next episode is understood by the rules, and says so.
  peer.Script("episode_summary", {{"", 0.97, true, 503}});
  Record(5 * 3600, {{"please book the dentist for friday", 0.5}});
  CloseEpisodes();
  ASSERT_EQ(enricher.Run()->episodes_enriched, 1);
  auto sessions = Of("session");
  json latest = json::parse(sessions[0].body);
  EXPECT_EQ(latest["method"]["provider"], "embedded");
  EXPECT_THAT(latest["fields"]["notes"].dump(), HasSubstr("fell back from chat"));
  // What the model was told about the person came from memory.
  auto requests = peer.requests();
  EXPECT_THAT(requests.back()["messages"][0]["content"].get<std::string>(), HasSubstr("person: Stella"));
}

TEST_F(EnricherTest, UncertainSpeechIsUsedOnlyWhenNothingElseWasSaidAndTheNoteSaysSo) {
  EmbeddedProvider embedded;
  Enricher enricher(db(), embedded, clock_);
  Record(0, {{"please buy some milk", 0.5, "uncertain"}});
  CloseEpisodes();
  ASSERT_EQ(enricher.Run()->episodes_enriched, 1);
  json session = json::parse(Of("session")[0].body);
  EXPECT_THAT(session["fields"]["notes"].dump(), HasSubstr("uncertain"));
  EXPECT_EQ(Of("action").size(), 1u);
}

TEST_F(EnricherTest, DueDatesAreThePersonsLocalDays) {
  // 22:30 UTC on the 26th is already the 27th in Tokyo: "tomorrow" there is the 28th.
  TenantSettings settings;
  settings.timezone = "Asia/Tokyo";
  ASSERT_TRUE(db().privacy.PutTenantSettings(tenant_.id, settings).ok());
  start_ = *ParseRfc3339("2026-11-26T22:30:00Z");
  Record(0, {{"i will call the bank tomorrow", 0.5}});
  CloseEpisodes();
  EmbeddedProvider embedded;
  Enricher enricher(db(), embedded, clock_);
  ASSERT_EQ(enricher.Run()->episodes_enriched, 1);
  auto actions = Of("action");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(*actions[0].due_date, "2026-11-28");
}

// Retention (or the person) removing part of an episode makes what was understood from it go
// and be understood again from what is left.
TEST_F(EnricherTest, AnEpisodeThatLosesARecordingIsUnderstoodAgain) {
  EmbeddedProvider embedded;
  Enricher enricher(db(), embedded, clock_);
  std::string calls = Record(0, {{"please call stella tomorrow", 0.3}});
  Record(20, {{"the garden needs new roses", 0.3}});
  CloseEpisodes();
  ASSERT_EQ(enricher.Run()->episodes_enriched, 1);
  ASSERT_EQ(Of("action").size(), 1u);
  auto cites = [&](const std::string& recording) {  // episode insights citing that recording
    int n = 0;
    std::vector<Insight> insights = db().insights.ListInsights(tenant_.id, {.scope = InsightScope::kEpisode}, 100, "")->items;
    for (const Insight& i : insights) {
      json body = json::parse(i.body);
      for (const auto& e : body.value("evidence", json::array())) n += e["recording_id"] == recording;
    }
    return n;
  };
  ASSERT_GT(cites(calls), 0);

  ASSERT_TRUE(db().recordings.DeleteRecording(tenant_.id, calls).ok());
  EXPECT_TRUE(Of("action").empty()) << "what came from the episode went with its segments";
  auto again = enricher.Run();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->episodes_enriched, 1) << "the rest of the episode is understood again";
  EXPECT_TRUE(Of("action").empty()) << "the call to Stella is no longer said anywhere";
  EXPECT_EQ(cites(calls), 0) << "nothing cites the removed recording";
  ASSERT_EQ(Of("summary").size(), 1u);
  EXPECT_THAT(json::parse(Of("summary")[0].body)["text"].get<std::string>(), HasSubstr("garden"));
}

// A long calm stretch and a short excited word: the voice's arousal is weighted by how long each
// was said, not averaged per segment.
TEST_F(EnricherTest, TheVoicesArousalIsWeightedBySegmentLength) {
  EmbeddedProvider embedded;
  Enricher enricher(db(), embedded, clock_);
  Record(0, {{"we walked slowly along the river for a long time talking about the garden", 0.2, "trusted", 9},
             {"wow", 0.8, "trusted", 1}});
  CloseEpisodes();
  ASSERT_TRUE(enricher.Run().ok());
  auto emotions = Of("emotion");
  ASSERT_EQ(emotions.size(), 1u);
  json voice = json::parse(emotions[0].body)["fields"]["parts"]["voice"];
  EXPECT_NEAR(voice["arousal"].get<double>(), (0.2 * 9 + 0.8 * 1) / 10, 1e-9) << voice.dump();
  EXPECT_NEAR(voice["seconds"].get<double>(), 10, 1e-9);
  EXPECT_EQ(voice["segments"], 2);
}

TEST(EmotionQuadrantTest, ValenceAndArousalTogether) {
  EXPECT_EQ(EmotionQuadrant(0.6, 0.8), "excited");
  EXPECT_EQ(EmotionQuadrant(0.6, 0.2), "content");
  EXPECT_EQ(EmotionQuadrant(-0.6, 0.8), "tense");
  EXPECT_EQ(EmotionQuadrant(-0.6, 0.2), "low");
  EXPECT_EQ(EmotionQuadrant(0.0, 0.9), "neutral");
  EXPECT_EQ(EstimatedTokens("abcdefgh"), 2);
}

}  // namespace
}  // namespace reflexio
