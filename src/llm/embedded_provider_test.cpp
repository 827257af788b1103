#include "llm/embedded_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/test_support.h"

namespace reflexio {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// One episode of the dev set's reference transcripts, 20 s apart, starting at `start`.
EpisodeTranscript EpisodeOf(const std::vector<std::string>& files, TimePoint start, const std::string& language = "en") {
  auto refs = testing::References(language);
  EpisodeTranscript e;
  e.tenant_id = "t";
  e.episode_id = "e";
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_TRUE(refs.count(files[i])) << files[i];
    e.utterances.push_back(Utterance{"rec" + std::to_string(i), 0, AddSeconds(start, 20.0 * i), 0, 5, refs[files[i]],
                                     "trusted", 0.8});
  }
  return e;
}

std::vector<Finding> Of(const Enrichment& e, const std::string& kind) {
  std::vector<Finding> out;
  for (const auto& f : e.findings) {
    if (ToString(f.kind) == kind) out.push_back(f);
  }
  return out;
}

std::vector<std::string> Texts(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.text);
  return out;
}

TEST(EmbeddedProvider, RequestsOnRealSpeechBecomeActionsPeopleAndPlaces) {
  auto episode = EpisodeOf({"p225_001_mic1.flac", "p225_002_mic1.flac"}, At("2026-11-26T09:00:00Z"));
  auto result = EmbeddedProvider().Enrich(episode);
  ASSERT_TRUE(result.ok()) << result.status().message();
  auto actions = Of(*result, "action");
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].text, "call stella");
  EXPECT_EQ(actions[0].fields["who"], "you");
  EXPECT_EQ(actions[0].evidence, (std::vector<int>{0}));
  EXPECT_EQ(actions[1].text, "ask her to bring these things with her from the store");
  EXPECT_EQ(actions[1].evidence, (std::vector<int>{1}));
  EXPECT_THAT(Texts(Of(*result, "person")), ElementsAre("Stella"));
  EXPECT_THAT(Texts(Of(*result, "place")), ElementsAre("store"));
  EXPECT_EQ(result->urgency, "medium");
  // Confidence rests on what the recogniser measured, and says so.
  EXPECT_EQ(actions[0].confidence.basis, "asr_word_confidence");
  EXPECT_DOUBLE_EQ(*actions[0].confidence.value, 0.8);
  EXPECT_EQ(result->method.provider, "embedded");
}

TEST(EmbeddedProvider, TopicsSummaryAndEmotionOnRealSpeech) {
  auto episode = EpisodeOf({"1988-24833-0000.flac", "1988-24833-0001.flac", "1988-24833-0002.flac",
                            "1988-24833-0003.flac"},
                           At("2026-11-26T18:00:00Z"));
  auto result = EmbeddedProvider().Enrich(episode);
  ASSERT_TRUE(result.ok());
  auto topics = Texts(Of(*result, "topic"));
  ASSERT_FALSE(topics.empty());
  EXPECT_EQ(topics[0], "cat");  // "cats" + "cat" are one topic, and the first
  EXPECT_THAT(Texts(Of(*result, "person")), Contains("Kate"));
  auto summary = Of(*result, "summary");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].evidence.size(), 1u);  // a quarter of four utterances
  EXPECT_GT(summary[0].fields["entity_density"].get<double>(), 0.2);
  // Every sentence of an extractive summary is something that was said.
  for (int i : summary[0].evidence) {
    EXPECT_NE(summary[0].text.find(episode.utterances[i].text.substr(1, 20)), std::string::npos);
  }

  auto captain = EpisodeOf({"3752-4944-0000.flac", "3752-4944-0001.flac", "3752-4944-0002.flac"}, At("2026-11-26T18:00:00Z"));
  auto mood = EmbeddedProvider().Enrich(captain);
  ASSERT_TRUE(mood.ok());
  EXPECT_THAT(Texts(Of(*mood, "person")), Contains("Frere"));
  auto emotion = Of(*mood, "emotion");
  ASSERT_EQ(emotion.size(), 1u);
  // "delightful" against "abandoned" and "death": more negative than not.
  EXPECT_LT(emotion[0].fields["valence"].get<double>(), 0);
  EXPECT_EQ(emotion[0].evidence, (std::vector<int>{0, 1, 2}));
}

TEST(EmbeddedProvider, CommitmentsAreDatedByWhenTheyWereSaid) {
  EpisodeTranscript e;
  e.utterances = {
      {"r1", 0, At("2026-11-26T10:00:00Z"), 0, 3, "i'll call anna about the report tomorrow", "trusted", 0.9},
      {"r1", 1, At("2026-11-26T10:00:05Z"), 3, 6, "and we need to book the hotel next week", "trusted", 0.7},
      {"r2", 0, At("2026-11-30T08:00:00Z"), 0, 3, "завтра позвоню маме", "trusted", 0.6},
  };
  auto result = EmbeddedProvider().Enrich(e);
  ASSERT_TRUE(result.ok());
  auto actions = Of(*result, "action");
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(actions[0].fields["who"], "me");
  EXPECT_EQ(actions[0].fields["commitment"], true);
  EXPECT_EQ(actions[0].fields["due_date"], "2026-11-27");
  EXPECT_EQ(actions[1].fields["who"], "we");
  EXPECT_EQ(actions[1].fields["due_date"], "2026-11-30");
  EXPECT_EQ(actions[2].fields["who"], "me");
  EXPECT_EQ(actions[2].fields["due_date"], "2026-12-01");  // said on the 30th
  EXPECT_EQ(result->urgency, "high");  // due within a day
  EXPECT_THAT(Texts(Of(*result, "person")), Contains("Anna"));
}

TEST(EmbeddedProvider, UncertainSegmentsStandInOnlyWhenNothingIsTrusted) {
  EpisodeTranscript e;
  e.utterances = {{"r", 0, At("2026-11-26T10:00:00Z"), 0, 3, "please call the dentist", "uncertain", 0.3}};
  auto result = EmbeddedProvider().Enrich(e);
  ASSERT_TRUE(result.ok());
  ASSERT_FALSE(result->notes.empty());
  EXPECT_NE(result->notes[0].find("uncertain"), std::string::npos);
  EXPECT_EQ(Of(*result, "action").size(), 1u);

  e.utterances.push_back({"r", 1, At("2026-11-26T10:00:04Z"), 3, 6, "the weather is lovely", "trusted", 0.9});
  auto trusted_only = EmbeddedProvider().Enrich(e);
  EXPECT_TRUE(Of(*trusted_only, "action").empty());  // the uncertain request is left out
  EXPECT_TRUE(trusted_only->notes.empty());
}

TEST(EmbeddedProvider, StatedPreferencesInBothLanguages) {
  EpisodeTranscript e;
  e.utterances = {{"r", 0, At("2026-11-26T10:00:00Z"), 0, 3, "i really love jazz on vinyl but not today", "trusted", 0.9},
                  {"r", 1, At("2026-11-26T10:00:05Z"), 3, 6, "i don't like crowded trains", "trusted", 0.9},
                  {"r", 2, At("2026-11-26T10:00:09Z"), 6, 9, "я не люблю кофе", "trusted", 0.9}};
  auto result = EmbeddedProvider().Enrich(e);
  auto preferences = Of(*result, "preference");
  ASSERT_EQ(preferences.size(), 3u);
  EXPECT_EQ(preferences[0].text, "jazz on vinyl");
  EXPECT_EQ(preferences[0].fields["polarity"], "likes");
  EXPECT_EQ(preferences[1].text, "crowded trains");
  EXPECT_EQ(preferences[1].fields["polarity"], "dislikes");
  EXPECT_EQ(preferences[2].text, "кофе");
  EXPECT_EQ(preferences[2].fields["polarity"], "dislikes");
}

TEST(EmbeddedProvider, RussianSpeechHasTopicsToo) {
  auto episode = EpisodeOf({"common_voice_ru_19793729.wav", "common_voice_ru_19793731.wav"}, At("2026-11-26T20:00:00Z"), "ru");
  auto result = EmbeddedProvider().Enrich(episode);
  ASSERT_TRUE(result.ok());
  auto topics = Texts(Of(*result, "topic"));
  EXPECT_EQ(topics.size(), 5u);  // one-off words in a short talk: the longest, most specific ones
  EXPECT_THAT(topics, Contains("ресурсов"));
  EXPECT_THAT(topics, Contains("финансовых"));
  EXPECT_THAT(topics, ::testing::Not(Contains("за")));
  EXPECT_THAT(topics, ::testing::Not(Contains("наших")));  // a stop word
}

TEST(EmbeddedProvider, CasedTextNamesPeopleAnywhere) {
  Mentions m = FindMentions("Yesterday Maria and I went to the office with Doctor Brown.");
  ASSERT_EQ(m.people.size(), 2u);
  EXPECT_EQ(m.people[0].first, "Brown");  // the title rule runs first, in word order
  EXPECT_EQ(m.people[0].second, "doctor");
  EXPECT_EQ(m.people[1].first, "Maria");
  EXPECT_THAT(m.places, ElementsAre("office"));
}

// "my sister Anna", "моя сестра Ольга": the person by name, the kinship as how they relate.
TEST(EmbeddedProvider, KinshipNamesThePersonAndTheRelation) {
  Mentions en = FindMentions("tomorrow my sister anna comes and my boss peter wants the report");
  ASSERT_EQ(en.people.size(), 2u) << ::testing::PrintToString(en.people);
  EXPECT_EQ(en.people[0], (std::pair<std::string, std::string>{"Anna", "sister"}));
  EXPECT_EQ(en.people[1], (std::pair<std::string, std::string>{"Peter", "manager"}));
  Mentions ru = FindMentions("завтра приедет моя сестра ольга");
  ASSERT_EQ(ru.people.size(), 1u) << ::testing::PrintToString(ru.people);
  EXPECT_EQ(ru.people[0], (std::pair<std::string, std::string>{"Ольга", "sister"}));
  // A relation with no name after it is no person, and "my" alone names nobody.
  EXPECT_TRUE(FindMentions("my sister is coming").people.empty());
  EXPECT_TRUE(FindMentions("my friend and my car").people.empty());
}

}  // namespace
}  // namespace reflexio
