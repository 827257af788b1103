#include "llm/chat_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/test_support.h"
#include "llm/cascade.h"
#include "llm/deepconf.h"
#include "llm/embedded_provider.h"
#include "llm/json_schema.h"
#include "llm/prompts.h"
#include "llm/testing/chat_peer.h"

namespace reflexio {
namespace {

using nlohmann::json;
using testing::ChatPeer;
using ::testing::HasSubstr;

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

EpisodeTranscript Meeting() {
  EpisodeTranscript e;
  e.tenant_id = "tenant-1";
  e.episode_id = "ep-1";
  e.utterances = {
      {"r1", 0, At("2026-11-26T10:00:00Z"), 0, 4, "please call stella", "trusted", 0.9},
      {"r1", 1, At("2026-11-26T10:00:05Z"), 4, 9, "ask her to bring these things with her from the store tomorrow",
       "trusted", 0.8},
      {"r1", 2, At("2026-11-26T10:00:12Z"), 9, 12, "the budget review went well", "trusted", 0.85},
  };
  return e;
}

const char* kSummary1 = R"({"summary":"A short talk about errands.","evidence":[1],"missing_entities":["Stella","store"]})";
const char* kSummary2 = R"({"summary":"Stella should bring things from the store; the budget review went well.","evidence":[1,2,3]})";
const char* kSummary3 = R"({"summary":"Errands were discussed today by everyone involved in them.","evidence":[1,2]})";
const char* kExtraction = R"({"topics":[{"text":"budget review","evidence":[3]}],
  "people":[{"name":"Stella","relation":"","evidence":[1,2]}],
  "places":[{"name":"store","evidence":[2]}],
  "actions":[{"who":"you","what":"call Stella","commitment":false,"due_phrase":"","evidence":[1]},
             {"who":"Stella","what":"bring these things from the store","commitment":false,"due_phrase":"tomorrow","evidence":[2]}],
  "emotion":{"valence":0.4,"emotions":["joy"],"evidence":[3]},
  "urgency":"medium"})";

struct ChatFixture : ::testing::Test {
  ChatPeer peer;
  std::shared_ptr<ChatClient> client;
  std::vector<std::string> guarded;
  ChatFixture() {
    ChatConfig config;
    config.base_url = peer.base_url();
    config.api_key = "sk-test";
    config.model = "test-model";
    config.timeout_s = 2;
    client = std::make_shared<ChatClient>(config, std::make_shared<CurlHttpClient>());
    peer.RequireKey("sk-test");
    peer.Script("episode_summary", {{kSummary1}, {kSummary2}, {kSummary3}});
    peer.Script("episode_extraction", {{kExtraction}});
  }
  ChatProvider Provider(ChatProviderOptions options = {}) {
    return ChatProvider(client, [this](const std::string&, std::string_view text) -> Result<std::string> {
      guarded.emplace_back(text);
      return std::string(text);
    }, options);
  }
};

std::vector<Finding> Of(const Enrichment& e, const std::string& kind) {
  std::vector<Finding> out;
  for (const auto& f : e.findings) {
    if (ToString(f.kind) == kind) out.push_back(f);
  }
  return out;
}

TEST(DeepConf, LowestGroupOfKnownLogprobs) {
  // Candidates [-0.1, -3, -5] → C = 8.1/3 = 2.7; [-1, -1, -1] → C = 1.
  std::vector<TokenLogprob> tokens;
  for (int i = 0; i < 4; ++i) tokens.push_back({"a", -0.1, {-0.1, -3, -5}});
  for (int i = 0; i < 2; ++i) tokens.push_back({"b", -1, {-1, -1, -1}});
  for (int i = 0; i < 4; ++i) tokens.push_back({"c", -0.1, {-0.1, -3, -5}});
  auto score = ComputeDeepConf(tokens, /*window=*/2, /*tail=*/4);
  ASSERT_TRUE(score);
  EXPECT_EQ(score->tokens, 10u);
  EXPECT_NEAR(score->lowest_group, 1.0, 1e-9);  // the window over the two hesitant tokens
  EXPECT_NEAR(score->tail, 2.7, 1e-9);
  EXPECT_NEAR(score->mean_token, (8 * 2.7 + 2 * 1.0) / 10, 1e-9);
  // Nine groups: the lowest 10 % is the single lowest one.
  EXPECT_NEAR(score->bottom_10_percent, 1.0, 1e-9);
  // A window longer than the answer shrinks to it.
  auto whole = ComputeDeepConf(tokens, 64);
  EXPECT_EQ(whole->window, 10u);
  EXPECT_NEAR(whole->lowest_group, whole->mean_token, 1e-9);
  EXPECT_FALSE(ComputeDeepConf({}));
}

TEST(JsonSchemaTest, NamesWhatIsWrong) {
  auto schema = JsonSchema::Parse(prompts::ExtractionSchema());
  ASSERT_TRUE(schema.ok());
  EXPECT_TRUE(schema->Validate(json::parse(kExtraction)).ok());
  json missing = json::parse(kExtraction);
  missing["actions"][0].erase("who");
  Status s = schema->Validate(missing);
  EXPECT_EQ(s.reason(), "schema_mismatch");
  EXPECT_THAT(s.message(), HasSubstr("/actions/0"));
  EXPECT_THAT(s.message(), HasSubstr("'who'"));
  json bad_enum = json::parse(kExtraction);
  bad_enum["urgency"] = "whenever";
  EXPECT_THAT(schema->Validate(bad_enum).message(), HasSubstr("enum"));
  EXPECT_TRUE(ParseModelJson("Sure! ```json\n{\"a\":1}\n```").ok());
  EXPECT_EQ(ParseModelJson("I cannot help with that").status().reason(), "malformed_json");
}

TEST_F(ChatFixture, ChainOfDensityKeepsTheDensestSummaryAndDeepConfMeasuresConfidence) {
  auto result = Provider().Enrich(Meeting());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(peer.count("episode_summary"), 3);
  auto summary = Of(*result, "summary");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].text, json::parse(kSummary2)["summary"]);  // round 2 carries the most
  EXPECT_EQ(summary[0].fields["round"], 2);
  auto densities = summary[0].fields["densities"];
  EXPECT_GT(densities[1].get<double>(), densities[0].get<double>());
  EXPECT_GT(densities[1].get<double>(), densities[2].get<double>());
  EXPECT_EQ(summary[0].evidence, (std::vector<int>{0, 1, 2}));

  auto actions = Of(*result, "action");
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[1].fields["due_date"], "2026-11-27");  // "tomorrow" against the capture time, by us
  EXPECT_EQ(actions[1].evidence, (std::vector<int>{1}));
  // Every token at p = 0.97 with four others sharing 0.03: C = -(ln .97 + 4 ln .0075)/5.
  double expected = -(std::log(0.97) + 4 * std::log(0.03 / 4)) / 5;
  EXPECT_EQ(actions[0].confidence.basis, "deepconf");
  EXPECT_NEAR(*actions[0].confidence.value, expected, 1e-6);
  EXPECT_EQ(result->method.provider, "chat");
  EXPECT_EQ(result->method.model, "test-model");
  EXPECT_EQ(result->method.prompt_version, prompts::kPromptVersion);
  EXPECT_EQ(peer.count("extraction_critique"), 0);  // confident: no critic

  // What went over the wire: the schema, logprobs, and nothing the guard did not see.
  auto requests = peer.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back()["response_format"]["type"], "json_schema");
  EXPECT_EQ(requests.back()["logprobs"], true);
  EXPECT_EQ(requests.back()["top_logprobs"], 5);
  ASSERT_FALSE(guarded.empty());
  EXPECT_THAT(guarded[0], HasSubstr("U2 [10:00:05]: ask her to bring"));
}

TEST_F(ChatFixture, MalformedAndUnverifiableAnswersGetOneRepair) {
  peer.Script("episode_extraction", {{"here you go: {not json"}, {kExtraction}});
  auto repaired = Provider().Enrich(Meeting());
  ASSERT_TRUE(repaired.ok()) << repaired.status().message();
  EXPECT_EQ(peer.count("episode_extraction"), 2);
  EXPECT_THAT(repaired->method.steps, ::testing::Contains("extraction:repair"));
  // The repair turn tells the model what was wrong, after its own answer.
  auto last = peer.requests().back();
  EXPECT_EQ(last["messages"][2]["role"], "assistant");
  EXPECT_THAT(last["messages"][3]["content"].get<std::string>(), HasSubstr("not a JSON object"));

  // CoVe: a name that is not in the utterance it cites, and a citation past the transcript.
  json invented = json::parse(kExtraction);
  invented["people"][0]["name"] = "Boris";
  json out_of_range = json::parse(kExtraction);
  out_of_range["topics"][0]["evidence"] = {9};
  peer.Script("episode_extraction", {{invented.dump()}, {out_of_range.dump()}});
  auto failed = Provider().Enrich(Meeting());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().reason(), "llm_invalid_answer");
  EXPECT_THAT(failed.status().message(), HasSubstr("U9"));
  auto requests = peer.requests();
  EXPECT_THAT(requests.back()["messages"][3]["content"].get<std::string>(), HasSubstr("'Boris' does not occur"));
}

// CoVe for actions: an action whose words are nowhere in the utterance it cites is sent back once
// with what was wrong; the repaired answer is kept.
TEST_F(ChatFixture, AnActionSharingNoWordWithItsEvidenceIsRepaired) {
  json unrelated = json::parse(kExtraction);
  unrelated["actions"][0]["what"] = "renew the passport";  // cites U1, "please call stella"
  peer.Script("episode_extraction", {{unrelated.dump()}, {kExtraction}});
  auto repaired = Provider().Enrich(Meeting());
  ASSERT_TRUE(repaired.ok()) << repaired.status().message();
  EXPECT_EQ(peer.count("episode_extraction"), 2);
  EXPECT_THAT(peer.requests().back()["messages"][3]["content"].get<std::string>(),
              HasSubstr("actions item 'renew the passport' shares no words with the utterances it cites"));
  std::vector<std::string> actions;
  for (const auto& f : Of(*repaired, "action")) actions.push_back(f.text);
  EXPECT_THAT(actions, ::testing::Not(::testing::Contains(HasSubstr("passport"))));
  // The same words inflected ("calling" for "call") are the same word.
  json inflected = json::parse(kExtraction);
  inflected["actions"][0]["what"] = "calling Stella";
  peer.Script("episode_extraction", {{inflected.dump()}});
  ASSERT_TRUE(Provider().Enrich(Meeting()).ok());
  EXPECT_EQ(peer.count("episode_extraction"), 1) << "accepted without a repair";
}

// A server without json_schema support gets response_format json_object (and the schema is
// still checked here); "none" sends no response_format at all.
TEST_F(ChatFixture, JsonObjectModeAsksForJsonWithoutASchema) {
  for (std::string mode : {"json_object", "none"}) {
    ChatConfig config;
    config.base_url = peer.base_url();
    config.api_key = "sk-test";
    config.model = "test-model";
    config.response_format = mode;
    client = std::make_shared<ChatClient>(config, std::make_shared<CurlHttpClient>());
    // Without a schema name the peer cannot tell the requests apart: it answers them in order.
    peer.Script("", {{kSummary2}, {kExtraction}});
    size_t before = peer.requests().size();
    auto result = Provider({.density_rounds = 1}).Enrich(Meeting());
    ASSERT_TRUE(result.ok()) << mode << ": " << result.status().message();
    auto requests = peer.requests();
    ASSERT_GT(requests.size(), before);
    for (size_t i = before; i < requests.size(); ++i) {
      if (mode == "json_object") {
        EXPECT_EQ(requests[i]["response_format"], (json{{"type", "json_object"}})) << requests[i].dump();
      } else {
        EXPECT_FALSE(requests[i].contains("response_format")) << requests[i].dump();
      }
    }
  }
}

TEST_F(ChatFixture, LowConfidenceCallsTheCriticAndKeepsTheRefinedExtraction) {
  json refined = json::parse(kExtraction);
  refined["actions"][1]["who"] = "me";
  peer.Script("episode_extraction", {{kExtraction, 0.35}, {refined.dump(), 0.9}});
  peer.Script("extraction_critique", {{R"({"issues":[{"item":"actions[1]","problem":"the speaker asks Stella"}]})"}});
  auto result = Provider().Enrich(Meeting());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(peer.count("extraction_critique"), 1);
  EXPECT_EQ(peer.count("episode_extraction"), 2);
  auto actions = Of(*result, "action");
  EXPECT_EQ(actions[1].fields["who"], "me");
  EXPECT_THAT(result->method.steps, ::testing::Contains("refiner"));
  double refined_confidence = -(std::log(0.9) + 4 * std::log(0.1 / 4)) / 5;
  EXPECT_NEAR(*actions[1].confidence.value, refined_confidence, 1e-6);
}

TEST_F(ChatFixture, WithoutLogprobsConfidenceIsUnknown) {
  peer.Script("episode_summary", {{kSummary2, 0.97, false}});
  peer.Script("episode_extraction", {{kExtraction, 0.97, false}});
  auto result = Provider({.density_rounds = 1}).Enrich(Meeting());
  ASSERT_TRUE(result.ok());
  for (const auto& f : result->findings) {
    EXPECT_FALSE(f.confidence.value) << ToString(f.kind);
    EXPECT_EQ(f.confidence.basis, "unknown");
  }
  EXPECT_THAT(result->notes, ::testing::Contains(HasSubstr("no token logprobs")));
  EXPECT_EQ(peer.count("extraction_critique"), 0);  // no measurement, no gate
}

TEST_F(ChatFixture, TimeoutsAndErrorsFallBackAndTheBreakerRestsTheModel) {
  testing::FakeClock clock;
  auto chat = std::make_shared<ChatProvider>(Provider());
  ProviderCascade cascade({chat, std::make_shared<EmbeddedProvider>()}, /*breaker_failures=*/2, /*cooldown_s=*/60, clock);
  peer.Script("episode_summary", {{kSummary1, 0.97, true, 200, /*delay_s=*/3}});  // past the 2 s timeout
  auto first = cascade.Enrich(Meeting());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->method.provider, "embedded");
  EXPECT_THAT(first->notes, ::testing::Contains(HasSubstr("fell back from chat")));
  peer.Script("episode_summary", {{"", 0.97, true, 503}});
  auto second = cascade.Enrich(Meeting());
  EXPECT_EQ(second->method.provider, "embedded");
  int asked = static_cast<int>(peer.requests().size());
  auto third = cascade.Enrich(Meeting());  // the circuit is open: the model is not asked
  EXPECT_EQ(third->method.provider, "embedded");
  EXPECT_EQ(static_cast<int>(peer.requests().size()), asked);
  EXPECT_THAT(third->notes, ::testing::Contains(HasSubstr("skipped chat")));
  clock.Advance(61);
  peer.Script("episode_summary", {{kSummary2}});
  auto recovered = cascade.Enrich(Meeting());
  EXPECT_EQ(recovered->method.provider, "chat");
}

TEST_F(ChatFixture, AGuardRefusalSendsNothingAndDoesNotTripTheBreaker) {
  auto refusing = std::make_shared<ChatProvider>(client, [](const std::string&, std::string_view) -> Result<std::string> {
    return Status(ErrorCode::kPermissionDenied, "remote_refused", "the tenant opted out");
  });
  ProviderCascade cascade({refusing, std::make_shared<EmbeddedProvider>()}, 1, 60);
  for (int i = 0; i < 3; ++i) {
    auto result = cascade.Enrich(Meeting());
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->method.provider, "embedded");
    EXPECT_THAT(result->notes, ::testing::Contains(HasSubstr("fell back from chat: the tenant opted out")));
  }
  EXPECT_TRUE(peer.requests().empty());
}

TEST_F(ChatFixture, MemoryGoesIntoTheSystemPrompt) {
  auto episode = Meeting();
  episode.memory_context = "- Stella: sister";
  ASSERT_TRUE(Provider({.density_rounds = 1}).Enrich(episode).ok());
  auto first = peer.requests().front();
  EXPECT_EQ(first["messages"][0]["role"], "system");
  EXPECT_THAT(first["messages"][0]["content"].get<std::string>(), HasSubstr("- Stella: sister"));
}

}  // namespace
}  // namespace reflexio
