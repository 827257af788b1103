// Understanding end to end: real speech uploaded with capture times, recognised, grouped into
// conversations, understood on the embedded provider (or a chat model on a local peer), and
// read back through /v1/episodes, /v1/actions, /v1/emotions, /v1/memory and /v1/explain.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <thread>

#include "core/test_support.h"
#include "llm/testing/chat_peer.h"
#include "memory/testing/letta_peer.h"
#include "server_harness.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Two conversations five minutes apart, captured ten minutes ago: "go forward ten meters" and a
// captain finding the scenery delightful; then three utterances about stray kittens and cats.
struct Day {
  std::vector<std::string> recordings;
  std::vector<json> episodes;  // newest first, enriched
};

Day RecordADay(const Client& client) {
  Day day;
  auto upload = [&](const std::string& file, double seconds_ago) {
    std::string at = FormatRfc3339(AddSeconds(SystemClock::Instance().Now(), -seconds_ago));
    auto r = client.Upload(ReadFileBytes((SpeechDir() / file).string()), TypeFor(file), {{"X-Captured-At", at}});
    EXPECT_EQ(r.status, 202) << r.body;
    day.recordings.push_back(json::parse(r.body)["id"]);
  };
  upload("goforward.wav", 600);
  upload("3752-4944-0000.flac", 600 - 6);
  upload("1988-24833-0000.flac", 300);
  upload("1988-24833-0001.flac", 300 - 6);
  upload("1988-24833-0003.flac", 300 - 22);
  for (const auto& id : day.recordings) EXPECT_EQ(client.WaitForRecording(id)["status"], "transcribed");
  json list;
  for (int i = 0; i < 1200; ++i) {
    list = client.GetJson("/v1/episodes");
    bool done = list["items"].size() == 2;
    for (const auto& e : list["items"]) done = done && e["state"] == "closed" && !e["enriched_at"].is_null();
    if (done) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(list["items"].size(), 2u) << list.dump();
  for (const auto& e : list["items"]) day.episodes.push_back(client.GetJson("/v1/episodes/" + e["id"].get<std::string>()));
  return day;
}

// Every quote explain gives is a segment of the recording's transcript, with that segment's
// words and their times, and its clip plays.
void ExpectExplainedByTheTranscript(const Client& client, const std::string& explain_url) {
  json why = client.GetJson(explain_url);
  ASSERT_TRUE(why.contains("evidence")) << why.dump();
  ASSERT_FALSE(why["evidence"].empty()) << explain_url << " has no evidence: " << why.dump();
  for (const auto& e : why["evidence"]) {
    json transcript = client.GetJson("/v1/recordings/" + e["recording_id"].get<std::string>() + "/transcript");
    bool quoted = false;
    for (const auto& s : transcript["segments"]) {
      if (s["text"] != e["quote"] || std::abs(s["start"].get<double>() - e["start_s"].get<double>()) >= 1e-3) continue;
      quoted = true;
      ASSERT_FALSE(e["words"].empty()) << explain_url << ": no word timings in " << e.dump();
      ASSERT_EQ(e["words"].size(), s["words"].size()) << "the segment's words, each with its time";
      for (size_t i = 0; i < s["words"].size(); ++i) {
        EXPECT_EQ(e["words"][i]["word"], s["words"][i]["word"]);
        EXPECT_NEAR(e["words"][i]["start_s"].get<double>(), s["words"][i]["start"].get<double>(), 1e-3);
        EXPECT_NEAR(e["words"][i]["end_s"].get<double>(), s["words"][i]["end"].get<double>(), 1e-3);
      }
    }
    EXPECT_TRUE(quoted) << e.dump() << " vs " << transcript.dump();
    ASSERT_TRUE(e["clip_url"].is_string());
    auto clip = client.Get(e["clip_url"]);
    EXPECT_EQ(clip.status, 200) << e["clip_url"];
    EXPECT_GT(clip.body.size(), 100u);
  }
}

TEST(Understanding, ADayOfSpeechIsUnderstoodOnTheEmbeddedProviderWithEvidenceForEverything) {
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_SCHEDULER_INTERVAL_S", "0.2"}, {"REFLEXIO_EPISODE_GAP_S", "30"}});
  Client client(server.base_url(), server.first_run_key());
  Client other(server.base_url(), server.CreateKey("other"));
  Day day = RecordADay(client);
  ASSERT_EQ(day.episodes.size(), 2u);

  for (const json& episode : day.episodes) {
    SCOPED_TRACE(episode.dump());
    const json& enrichment = episode["enrichment"];
    ASSERT_TRUE(enrichment.is_object());
    EXPECT_EQ(enrichment["method"]["provider"], "embedded");
    ASSERT_TRUE(enrichment["summary"].is_object());
    ExpectExplainedByTheTranscript(client, enrichment["summary"]["explain_url"]);
    EXPECT_FALSE(enrichment["topics"].empty());
    for (const auto& topic : enrichment["topics"]) ExpectExplainedByTheTranscript(client, topic["explain_url"]);
    // Emotion from both sources, each part kept.
    const json& emotion = enrichment["emotion"];
    ASSERT_TRUE(emotion.is_object());
    EXPECT_TRUE(emotion["fields"]["valence"].is_number());
    EXPECT_TRUE(emotion["fields"]["parts"]["voice"]["arousal"].is_number()) << "prosody measured from the audio";
    EXPECT_GT(emotion["fields"]["parts"]["voice"]["segments"].get<int>(), 0);
    EXPECT_EQ(other.Get("/v1/explain/summary/" + enrichment["summary"]["id"].get<std::string>()).status, 404);
  }

  // /v1/explain answers for every kind the conversations hold, each found under its own kind only.
  std::set<std::string> explained;
  for (const json& episode : day.episodes) {
    const json& enrichment = episode["enrichment"];
    auto explain = [&](const std::string& kind, const json& item) {
      SCOPED_TRACE(kind);
      std::string url = "/v1/explain/" + kind + "/" + item["id"].get<std::string>();
      ExpectExplainedByTheTranscript(client, url);
      EXPECT_EQ(client.GetJson(url)["kind"], kind);
      std::string wrong = kind == "topic" ? "place" : "topic";
      EXPECT_EQ(client.Get("/v1/explain/" + wrong + "/" + item["id"].get<std::string>()).status, 404);
      explained.insert(kind);
    };
    explain("summary", enrichment["summary"]);
    explain("emotion", enrichment["emotion"]);
    for (auto [list, kind] : {std::pair{"topics", "topic"}, {"people", "person"}, {"places", "place"},
                              {"actions", "action"}, {"preferences", "preference"}}) {
      for (const auto& item : enrichment[list]) explain(kind, item);
    }
    ASSERT_TRUE(enrichment["session_memory_id"].is_string()) << enrichment.dump();
    explain("session", json{{"id", enrichment["session_memory_id"]}});
  }
  json memory_entries = client.GetJson("/v1/memory");
  for (const auto& item : memory_entries["items"]) {
    ExpectExplainedByTheTranscript(client, "/v1/explain/memory/" + item["id"].get<std::string>());
    explained.insert("memory");
  }
  for (const char* kind : {"summary", "topic", "action", "emotion", "session", "memory"}) {
    EXPECT_TRUE(explained.count(kind)) << kind << " was never explained";
  }

  // The first conversation: an instruction and a delightful scenery.
  const json& first = day.episodes[1]["enrichment"];
  ASSERT_EQ(first["actions"].size(), 1u) << first.dump();
  EXPECT_EQ(first["actions"][0]["text"], "go forward ten meters");
  EXPECT_EQ(first["actions"][0]["state"], "open");
  EXPECT_EQ(first["emotion"]["text"], "joy");
  EXPECT_GT(first["emotion"]["fields"]["valence"].get<double>(), 0);
  // The second: cats.
  std::set<std::string> topics;
  for (const auto& t : day.episodes[0]["enrichment"]["topics"]) topics.insert(t["text"]);
  EXPECT_TRUE(topics.count("cats") || topics.count("cat")) << day.episodes[0].dump();

  // Actions: listed, marked done, listed by state; bad input and other tenants refused.
  std::string action = first["actions"][0]["id"];
  EXPECT_EQ(client.GetJson("/v1/actions?state=open")["items"].size(), 1u);
  auto done = client.SendJson("PUT", "/v1/actions/" + action, R"({"state":"done"})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(json::parse(done.body)["state"], "done");
  EXPECT_TRUE(client.GetJson("/v1/actions?state=open")["items"].empty());
  EXPECT_EQ(client.GetJson("/v1/actions?state=done")["items"][0]["id"], action);
  EXPECT_EQ(client.SendJson("PUT", "/v1/actions/" + action, R"({"state":"finished"})").status, 400);
  EXPECT_EQ(other.SendJson("PUT", "/v1/actions/" + action, R"({"state":"done"})").status, 404);
  EXPECT_EQ(client.Get("/v1/actions?state=later").status, 400);

  // Emotions over time.
  json emotions = client.GetJson("/v1/emotions");
  EXPECT_EQ(emotions["items"].size(), 2u);
  std::string from = FormatRfc3339(AddSeconds(SystemClock::Instance().Now(), -400));
  EXPECT_EQ(client.GetJson("/v1/emotions?from=" + from)["items"].size(), 1u);
  EXPECT_EQ(client.Get("/v1/emotions?from=yesterday").status, 400);

  // Memory: learned from both conversations, explained, corrected, forgotten.
  json memory = client.GetJson("/v1/memory");
  ASSERT_FALSE(memory["items"].empty());
  json entry = memory["items"][0];
  ExpectExplainedByTheTranscript(client, entry["explain_url"]);
  std::string id = entry["id"];
  auto edited = client.SendJson("PUT", "/v1/memory/" + id, R"({"label":"Kittens at home","detail":{"note":"two strays"}})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json::parse(edited.body)["label"], "Kittens at home");
  EXPECT_TRUE(json::parse(edited.body)["edited_by_person"].get<bool>());
  EXPECT_EQ(client.SendJson("PUT", "/v1/memory/" + id, R"({"colour":"blue"})").status, 400);
  EXPECT_EQ(client.SendJson("PUT", "/v1/memory/" + id, "not json").status, 400);
  EXPECT_EQ(other.Get("/v1/memory/" + id).status, 404);
  HttpRequest forget;
  forget.method = "DELETE";
  forget.url = "/v1/memory/" + id;
  EXPECT_EQ(other.Send(forget).status, 404) << "another tenant cannot forget it";
  EXPECT_EQ(client.Send(forget).status, 200);
  EXPECT_EQ(client.Send(forget).status, 404);
  EXPECT_EQ(client.Get("/v1/memory/" + id).status, 404);
  EXPECT_EQ(client.Get("/v1/explain/guess/" + id).status, 400);

  // Everything understood leaves with the export and goes with the erasure.
  auto exported = client.Get("/v1/privacy/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(exported.body.find("understanding.json"), std::string::npos);
  EXPECT_NE(exported.body.find("go forward ten meters"), std::string::npos);
  ASSERT_EQ(client.SendJson("POST", "/v1/privacy/erase", R"({"confirm":true})").status, 200);
  EXPECT_TRUE(client.GetJson("/v1/memory")["items"].empty());
  EXPECT_TRUE(client.GetJson("/v1/actions")["items"].empty());
}

// The chat model answers from what it is sent: the longest word of U1 as the topic and action,
// so its findings can be verified against whatever the recogniser heard.
ChatPeer::Answer Extraction(const json& request) {
  std::string prompt = request["messages"][1]["content"];
  size_t at = prompt.rfind("U1 [");
  std::string line = prompt.substr(prompt.find("]: ", at) + 3);
  line = line.substr(0, line.find('\n'));
  std::string longest, word;
  for (char c : line + " ") {
    if (c == ' ') {
      if (word.size() > longest.size()) longest = word;
      word.clear();
    } else {
      word += c;
    }
  }
  json answer = {{"topics", {{{"text", longest}, {"evidence", {1}}}}},
                 {"people", json::array()},
                 {"places", json::array()},
                 {"actions", {{{"who", "me"}, {"what", "think about " + longest}, {"commitment", true},
                               {"due_phrase", "tomorrow"}, {"evidence", {1}}}}},
                 {"emotion", {{"valence", 0.5}, {"emotions", {"joy"}}, {"evidence", {1}}}},
                 {"urgency", "medium"}};
  return {answer.dump()};
}

TEST(Understanding, AConfiguredModelIsUsedThroughTheGuardAndMemoryReachesLetta) {
  ChatPeer model;
  model.RequireKey("sk-local");
  model.Respond("episode_summary", [](const json&) { return ChatPeer::Answer{R"({"summary":"A short talk.","evidence":[1]})"}; });
  model.Respond("episode_extraction", Extraction);
  LettaPeer letta("letta-key");
  TempDir dir;
  ServerProcess server(dir / "data", {{"REFLEXIO_SCHEDULER_INTERVAL_S", "0.2"},
                                      {"REFLEXIO_EPISODE_GAP_S", "30"},
                                      {"REFLEXIO_LLM_PROVIDER", "chat"},
                                      {"REFLEXIO_LLM_BASE_URL", model.base_url()},
                                      {"REFLEXIO_LLM_API_KEY", "sk-local"},
                                      {"REFLEXIO_LLM_MODEL", "peer-model"},
                                      {"LETTA_API_URL", letta.base_url()},
                                      {"LETTA_API_KEY", "letta-key"}});
  Client client(server.base_url(), server.first_run_key());
  Day day = RecordADay(client);
  ASSERT_EQ(day.episodes.size(), 2u);
  for (const json& episode : day.episodes) {
    const json& enrichment = episode["enrichment"];
    EXPECT_EQ(enrichment["method"]["provider"], "chat") << enrichment.dump();
    EXPECT_EQ(enrichment["method"]["model"], "peer-model");
    ASSERT_EQ(enrichment["actions"].size(), 1u);
    const json& action = enrichment["actions"][0];
    EXPECT_EQ(action["confidence"]["basis"], "deepconf");
    EXPECT_TRUE(action["confidence"]["value"].is_number());
    // "tomorrow", resolved by the server against when it was said.
    std::string said = action["evidence"][0]["captured_at"];
    EXPECT_EQ(action["due_date"], FormatRfc3339(AddSeconds(*ParseRfc3339(said), 86400)).substr(0, 10));
    ExpectExplainedByTheTranscript(client, action["explain_url"]);
  }
  EXPECT_GE(model.count("episode_extraction"), 2);
  // The secret never reaches the logs.
  EXPECT_EQ(server.stderr_text().find("sk-local"), std::string::npos);
  EXPECT_EQ(server.stdout_text().find("sk-local"), std::string::npos);

  // Memory (the model's commitments and topics) was mirrored into the tenant's Letta block.
  ASSERT_TRUE(WaitUntil([&] { return !letta.blocks().empty(); }, 10s));
  auto blocks = letta.blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_NE(blocks.begin()->second["value"].get<std::string>().find("commitment: think about"), std::string::npos)
      << blocks.begin()->second.dump();

  // ?kind= lists one kind of memory; the model's commitments are there, open.
  json commitments = client.GetJson("/v1/memory?kind=commitment");
  ASSERT_FALSE(commitments["items"].empty()) << commitments.dump();
  for (const auto& c : commitments["items"]) {
    EXPECT_EQ(c["kind"], "commitment");
    EXPECT_EQ(c["state"], "active");
  }
  json all = client.GetJson("/v1/memory");
  EXPECT_GT(all["items"].size(), commitments["items"].size()) << "topics too, without the filter";
  json topics = client.GetJson("/v1/memory?kind=topic");
  EXPECT_FALSE(topics["items"].empty());
  for (const auto& t : topics["items"]) EXPECT_EQ(t["kind"], "topic");

  // Marking the action done closes its commitment in memory; opening it again reopens it.
  json action;
  for (const json& episode : day.episodes) {
    for (const auto& a : episode["enrichment"]["actions"]) {
      if (a["text"] == commitments["items"][0]["label"]) action = a;
    }
  }
  ASSERT_TRUE(action.is_object()) << "the action the commitment came from";
  auto state_of_commitment = [&] {
    json listed = client.GetJson("/v1/memory?kind=commitment");
    for (const auto& c : listed["items"]) {
      if (c["label"] == action["text"]) return c["state"].get<std::string>();
    }
    return std::string("missing");
  };
  ASSERT_EQ(state_of_commitment(), "active") << action.dump();
  ASSERT_EQ(client.SendJson("PUT", "/v1/actions/" + action["id"].get<std::string>(), R"({"state":"done"})").status, 200);
  EXPECT_EQ(state_of_commitment(), "done");
  ASSERT_EQ(client.SendJson("PUT", "/v1/actions/" + action["id"].get<std::string>(), R"({"state":"open"})").status, 200);
  EXPECT_EQ(state_of_commitment(), "active");

  // The person may set a memory entry's state directly; only active and done exist.
  std::string entry = commitments["items"][0]["id"];
  auto set = client.SendJson("PUT", "/v1/memory/" + entry, R"({"state":"done"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json::parse(set.body)["state"], "done");
  EXPECT_EQ(client.GetJson("/v1/memory/" + entry)["state"], "done");
  EXPECT_EQ(client.SendJson("PUT", "/v1/memory/" + entry, R"({"state":"forgotten"})").status, 400);
}

}  // namespace
}  // namespace reflexio::testing
