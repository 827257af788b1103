#include <gtest/gtest.h>

#include "model/digest_document.h"
#include "model/insight.h"
#include "model/insight_body.h"

namespace reflexio {
namespace {

using json = nlohmann::json;

TEST(InsightEnums, EveryValueHasOneWordThatReadsBack) {
  for (InsightKind kind : {InsightKind::kSummary, InsightKind::kTopic, InsightKind::kPerson, InsightKind::kPlace,
                           InsightKind::kPreference, InsightKind::kAction, InsightKind::kEmotion, InsightKind::kSession,
                           InsightKind::kCommitment}) {
    std::string text = ToString(kind);
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(ParseInsightKind(text), kind) << text;
  }
  for (InsightState state : {InsightState::kNone, InsightState::kOpen, InsightState::kDone, InsightState::kActive}) {
    EXPECT_EQ(ParseInsightState(ToString(state)), state) << ToString(state);
  }
  EXPECT_EQ(ParseInsightScope("core"), InsightScope::kCore);
  EXPECT_EQ(ParseInsightScope("episode"), InsightScope::kEpisode);
  EXPECT_FALSE(ParseInsightKind("gossip"));
  EXPECT_FALSE(ParseInsightScope(""));
  EXPECT_STREQ(ToString(InsightState::kNone), "") << "as the databases have always stored it";
}

// A body as the enricher of the previous version wrote it, byte for byte.
constexpr const char* kStoredAction =
    R"({"confidence":{"basis":"asr_word_confidence","detail":{"words":4},"value":0.82},)"
    R"("evidence":[{"captured_at":"2026-11-26T09:00:01.500Z","end_s":3.25,"episode_id":"e1","recording_id":"r1","seq":2,)"
    R"("start_s":1.5},{"captured_at":"","recording_id":7}],"fields":{"commitment":true,"due_date":"2026-11-27",)"
    R"("due_phrase":"tomorrow","what":"call stella","who":"me"},"method":{"model":"rules-v1","prompt_version":"none",)"
    R"("provider":"embedded","steps":["rules"]},"text":"call stella tomorrow"})";

TEST(EpisodeInsightBody, ReadsWhatEarlierVersionsStoredAndWritesItBackUnchanged) {
  Insight stored;
  stored.body = kStoredAction;
  EpisodeInsightBody body = EpisodeBodyOf(stored);
  EXPECT_EQ(body.text, "call stella tomorrow");
  EXPECT_DOUBLE_EQ(body.confidence.value.value(), 0.82);
  EXPECT_EQ(body.confidence.basis, "asr_word_confidence");
  ASSERT_EQ(body.evidence.size(), 1u) << "an entry without a recording id is skipped";
  EXPECT_EQ(body.evidence[0].recording_id, "r1");
  EXPECT_EQ(body.evidence[0].seq, 2);
  EXPECT_EQ(FormatRfc3339(body.evidence[0].captured_at), "2026-11-26T09:00:01.500Z");
  EXPECT_EQ(body.method.steps, std::vector<std::string>{"rules"});
  ActionFields action = FieldsOf<ActionFields>(body);
  EXPECT_EQ(action.who, "me");
  EXPECT_TRUE(action.commitment);
  EXPECT_EQ(action.due_date, "2026-11-27");
  EXPECT_FALSE(action.due_time) << "absent stays absent";
  // Written again (without the unreadable evidence entry), every other byte is as it was.
  json rewritten = body;
  json original = json::parse(kStoredAction);
  original["evidence"].erase(1);
  EXPECT_EQ(rewritten, original);
  EXPECT_EQ(json(action), original["fields"]) << "due_time is left out, not written as null";
}

TEST(EpisodeInsightBody, UnreadableBodiesGiveDefaultsInsteadOfThrowing) {
  Insight broken;
  for (const char* text : {"", "not json", "[1,2]", R"({"text":5,"evidence":"none","confidence":[]})"}) {
    broken.body = text;
    EpisodeInsightBody body = EpisodeBodyOf(broken);
    EXPECT_EQ(body.text, "") << text;
    EXPECT_TRUE(body.evidence.empty()) << text;
    EXPECT_EQ(body.confidence.basis, "unknown") << text;
    EXPECT_EQ(MemoryBodyOf(broken).mentions, 0) << text;
  }
  EpisodeInsightBody numbers{.fields = {{"who", 3}, {"commitment", "yes"}}};
  ActionFields action = FieldsOf<ActionFields>(numbers);
  EXPECT_EQ(action.who, "");
  EXPECT_FALSE(action.commitment);
}

TEST(EmotionFields, KeepBothPartsAndANullArousalWithoutProsody) {
  EmotionFields heard;
  heard.valence = 0.5;
  heard.words.emotions = {{"joy", 2}};
  heard.words.words = {"happy", "not sad"};
  json j = heard;
  EXPECT_TRUE(j["arousal"].is_null());
  EXPECT_TRUE(j["parts"]["voice"]["arousal"].is_null());
  EXPECT_FALSE(j["parts"]["voice"].contains("seconds"));
  EXPECT_EQ(j["parts"]["words"]["emotions"]["joy"], 2);
  EmotionFields back = j.get<EmotionFields>();
  EXPECT_EQ(back.words.words, heard.words.words);
  EXPECT_FALSE(back.arousal);

  heard.arousal = 0.7;
  heard.voice = {0.7, 3, 12.5, "prosody"};
  back = json(heard).get<EmotionFields>();
  EXPECT_DOUBLE_EQ(back.arousal.value(), 0.7);
  EXPECT_DOUBLE_EQ(back.voice.seconds.value(), 12.5);
  EXPECT_EQ(back.voice.basis, "prosody");
}

TEST(MemoryEntryBody, RoundTripsAndLeavesUnsetTimesOut) {
  MemoryEntryBody entry;
  entry.label = "Stella";
  entry.detail = {{"relation", "sister"}};
  entry.mentions = 3;
  entry.episodes = {"e1", "e2"};
  entry.first_seen = *ParseRfc3339("2026-11-26T09:00:00Z");
  json j = entry;
  EXPECT_FALSE(j.contains("last_seen"));
  EXPECT_EQ(j["first_seen"], "2026-11-26T09:00:00.000Z");
  MemoryEntryBody back = j.get<MemoryEntryBody>();
  EXPECT_EQ(back.label, "Stella");
  EXPECT_EQ(back.detail.at("relation"), "sister");
  EXPECT_EQ(back.episodes.size(), 2u);
  EXPECT_EQ(back.first_seen, entry.first_seen);
  EXPECT_FALSE(back.last_seen);
}

DigestDocument ADay() {
  DigestDocument d;
  d.tenant_id = "t1";
  d.date = "2026-11-26";
  d.timezone = "Europe/Berlin";
  d.status = DigestDayStatus::kDegraded;
  d.degraded_reasons = {"little speech: 12 words"};
  d.summary = {"1 conversation.", {"S1"}};
  d.figures = {1, 0.5, 12, 1, 0.75};
  d.speech_minutes_by_hour[9] = 0.5;
  d.timeline.push_back({"e1", *ParseRfc3339("2026-11-26T08:00:00Z"), *ParseRfc3339("2026-11-26T08:01:00Z"), "09:00",
                        "09:01", std::nullopt, "low", {"S1"}});
  d.emotions.push_back({"e1", *ParseRfc3339("2026-11-26T08:00:00Z"), "09:00", 0.25, std::nullopt, "neutral", {}, {"S1"}});
  d.actions.added.push_back({"a1", "call stella", "me", true, "2026-11-27", "open", {"S1"}});
  d.people.push_back({"Stella", 1, {"S1"}});
  d.compared_with_last_7_days.new_people = {"Stella"};
  d.memory.push_back({"m1", "person", "Stella", {{"relation", "sister"}}, 1, true});
  for (int n = 1; n <= 11; ++n) {
    d.sources["S" + std::to_string(n)] = {"e1", "r1", n, 1.0, 2.0, *ParseRfc3339("2026-11-26T08:00:00Z"), "09:00:00",
                                          "quote " + std::to_string(n)};
  }
  return d;
}

TEST(DigestDocument, WritesTheFormatTheApiHasAlwaysServedAndReadsItBack) {
  json j = ADay();
  EXPECT_EQ(j["format"], "reflexio-digest-1");
  EXPECT_EQ(j["status"], "degraded");
  EXPECT_TRUE(j["timeline"][0]["summary"].is_null()) << "not understood yet";
  EXPECT_EQ(j["timeline"][0]["start"], "2026-11-26T08:00:00.000Z");
  EXPECT_TRUE(j["emotions"][0]["arousal"].is_null());
  EXPECT_EQ(j["actions"]["new"][0]["due_date"], "2026-11-27");
  EXPECT_TRUE(j["actions"]["due"].is_array());
  EXPECT_EQ(j["speech_minutes_by_hour"].size(), 24u);
  EXPECT_EQ(j["memory"][0]["detail"]["relation"], "sister");
  EXPECT_EQ(j["sources"]["S10"]["segment"], 10);

  auto back = ParseDigestDocument(j.dump(2));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(json(*back), j) << "one conversion, both ways";
  auto ordered = back->SourcesInOrder();
  ASSERT_EQ(ordered.size(), 11u);
  EXPECT_EQ(ordered[1].first, "S2") << "citation order, not string order (S10 after S9)";
  EXPECT_EQ(ordered[10].first, "S11");
}

TEST(DigestDocument, RefusesWhatIsNotOne) {
  EXPECT_EQ(ParseDigestDocument("{").status().reason(), "invalid_digest");
  EXPECT_EQ(ParseDigestDocument(R"({"format":"something-else"})").status().reason(), "invalid_digest");
  EXPECT_EQ(ParseDigestDocument(R"({"format":"reflexio-digest-1","status":"splendid"})").status().reason(),
            "invalid_digest");
  auto minimal = ParseDigestDocument(R"({"format":"reflexio-digest-1","date":"2026-11-26","status":"empty"})");
  ASSERT_TRUE(minimal.ok()) << minimal.status().message();
  EXPECT_EQ(minimal->status, DigestDayStatus::kEmpty);
  EXPECT_TRUE(minimal->timeline.empty());
  EXPECT_EQ(minimal->speech_minutes_by_hour.size(), 24u);
}

}  // namespace
}  // namespace reflexio
