#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "core/ids.h"
#include "core/local_time.h"
#include "core/test_support.h"
#include "crypto/keys.h"
#include "digest/builder.h"
#include "digest/markdown.h"
#include "digest/pdf.h"
#include "digest/schedule.h"
#include "digest/service.h"
#include "digest/telegram_outbox.h"
#include "llm/embedded_provider.h"
#include "model/insight_body.h"
#include "privacy/keyring.h"
#include "privacy/master_key.h"
#include "privacy/sealed_stores.h"
#include "storage/migrations.h"
#include "storage/sqlite_database.h"
#include "text/normalize.h"
#include "understanding/enricher.h"
#include "understanding/episodes.h"

namespace reflexio {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kZone = "Europe/Moscow";  // UTC+3 all year

class DigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = std::move(SqliteDatabase::Open(dir_ / "reflexio.db", EmbeddedSqliteMigrations(), clock_).value());
    keyring_ = std::make_unique<Keyring>(PlainStores(*backend), MasterKeys{MasterKey::From(NewDataKey())});
    backend_ = std::move(backend);
    sealed_ = std::make_unique<SealedStores>(*backend_, *keyring_);
    tenant_ = db().tenants.EnsureTenant("alice").value();
    TenantSettings settings;
    settings.timezone = kZone;
    ASSERT_TRUE(db().privacy.PutTenantSettings(tenant_.id, settings).ok());
    en_ = testing::References("en");
    ru_ = testing::References("ru");
  }

  // One recording at `local` ("HH:MM" on `date` in Moscow), a segment per text.
  std::string Record(const std::string& local, const std::vector<std::string>& texts, const std::string& quality = "trusted",
                     const std::string& date = "2026-11-26") {
    TimePoint at = *LocalClockTime(date, local, kZone);
    Recording r;
    r.tenant_id = tenant_.id;
    r.id = NewId();
    r.content_type = "audio/flac";
    r.body_sha256 = "00";
    r.captured_at = r.received_at = at;
    r.source_path = "incoming/" + r.id;
    EXPECT_TRUE(db().recordings.InsertRecording(r, "transcribe", 3).ok());
    auto job = db().jobs.ClaimJob("w", 30);
    Transcription t;
    t.engine = "test";
    t.speech_s = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      Segment s;
      s.seq = static_cast<int>(i);
      s.start_s = 10.0 * i;
      s.end_s = s.start_s + 6;
      s.captured_at = AddSeconds(at, s.start_s);
      s.text = texts[i];
      double w = s.start_s;
      for (const auto& word : NormalizedWords(s.text)) s.words.push_back({word, w, w += 0.3, 0.85});
      s.quality = quality;
      s.prosody_json = R"({"arousal":0.4})";
      t.segments.push_back(s);
      t.speech_s += 6;
    }
    EXPECT_TRUE(db().transcripts.CompleteTranscription(**job, t).ok());
    return r.id;
  }

  void Understand() {
    clock_.Advance(3 * 86400);  // long after the day: every episode is closed
    EpisodeBuilder episodes(db(), 90, clock_);
    ASSERT_TRUE(episodes.Run().ok());
    clock_.Advance(600);
    ASSERT_TRUE(episodes.Run().ok());
    EmbeddedProvider provider;
    Enricher enricher(db(), provider, clock_);
    ASSERT_TRUE(enricher.Run().ok());
  }

  // A day made of the dev set's reference transcripts: errands in the morning, kittens in the
  // afternoon, and a toast in Russian in the evening.
  void RecordADay() {
    Record("09:10", {en_["p225_001_mic1.flac"], en_["p225_002_mic1.flac"]});
    Record("14:30", {en_["1988-24833-0000.flac"], en_["1988-24833-0001.flac"], en_["1988-24833-0003.flac"]});
    Record("20:05", {ru_["common_voice_ru_19793731.wav"], ru_["common_voice_ru_19793729.wav"]});
    Understand();
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Keyring> keyring_;
  std::unique_ptr<SealedStores> sealed_;
  const Stores& db() const { return sealed_->stores(); }
  std::unique_ptr<Database> backend_;
  Tenant tenant_;
  std::map<std::string, std::string> en_, ru_;
};

TEST_F(DigestTest, ADayOfRealTranscriptsWithSourcesForEveryStatement) {
  RecordADay();
  auto digest = DigestBuilder(db()).Build({tenant_.id, "2026-11-26", kZone});
  ASSERT_TRUE(digest.ok()) << digest.status().message();
  const json& d = *digest;
  EXPECT_EQ(d["format"], "reflexio-digest-1");
  EXPECT_EQ(d["status"], "ok") << d["degraded_reasons"].dump();
  EXPECT_EQ(d["figures"]["recordings"], 3);
  EXPECT_EQ(d["figures"]["episodes"], 3);
  int64_t words = 0;
  for (const char* f : {"p225_001_mic1.flac", "p225_002_mic1.flac", "1988-24833-0000.flac", "1988-24833-0001.flac",
                        "1988-24833-0003.flac"}) {
    words += static_cast<int64_t>(NormalizedWords(en_[f]).size());
  }
  words += static_cast<int64_t>(NormalizedWords(ru_["common_voice_ru_19793731.wav"]).size() +
                                NormalizedWords(ru_["common_voice_ru_19793729.wav"]).size());
  EXPECT_EQ(d["figures"]["words"], words);
  // Speech in the local hours it was said (Moscow, not UTC).
  EXPECT_GT(d["speech_minutes_by_hour"][9].get<double>(), 0);
  EXPECT_GT(d["speech_minutes_by_hour"][14].get<double>(), 0);
  EXPECT_GT(d["speech_minutes_by_hour"][20].get<double>(), 0);
  EXPECT_EQ(d["speech_minutes_by_hour"][6].get<double>(), 0);
  ASSERT_EQ(d["timeline"].size(), 3u);
  EXPECT_EQ(d["timeline"][0]["local_start"], "09:10");
  EXPECT_EQ(d["timeline"][2]["local_start"], "20:05");

  std::vector<std::string> actions;
  for (const json& a : d["actions"]["new"]) actions.push_back(a["text"]);
  EXPECT_THAT(actions, ::testing::Contains("call stella"));
  std::vector<std::string> people;
  for (const json& p : d["people"]) people.push_back(p["text"]);
  EXPECT_THAT(people, ::testing::Contains("Stella"));
  EXPECT_EQ(d["compared_with_last_7_days"]["new_people"].size(), d["people"].size()) << "nothing before this day";
  EXPECT_FALSE(d["memory"].empty());

  // Every statement's sources exist, and every source quotes what was said.
  std::set<std::string> texts;
  for (const auto& [f, t] : en_) texts.insert(t);
  for (const auto& [f, t] : ru_) texts.insert(t);
  std::function<void(const json&)> check = [&](const json& node) {
    if (node.is_object()) {
      if (node.contains("sources") && node["sources"].is_array()) {
        for (const json& id : node["sources"]) EXPECT_TRUE(d["sources"].contains(id.get<std::string>())) << id;
      }
      for (const auto& [k, v] : node.items()) {
        if (k != "sources") check(v);
      }
    } else if (node.is_array()) {
      for (const json& v : node) check(v);
    }
  };
  check(d);
  ASSERT_FALSE(d["sources"].empty());
  for (const auto& [id, s] : d["sources"].items()) {
    std::string quote = s["quote"];
    EXPECT_TRUE(texts.count(quote) || (quote.ends_with(" …") && std::any_of(texts.begin(), texts.end(), [&](const std::string& t) {
                                         return t.rfind(quote.substr(0, quote.size() - 4), 0) == 0;
                                       })))
        << id << ": " << quote;
  }
}

// The day against the one before: an errand said yesterday for today is due and, done today,
// done; kittens come back while the garden is new; the emotions of the day's conversations; and
// what memory heard of today, with what it first learned today marked so.
TEST_F(DigestTest, ActionsDueAndDoneTheWeekBeforeEmotionsAndMemory) {
  Record("10:00", {"please call stella tomorrow", "the two stray kittens made themselves at home"}, "trusted",
         "2026-11-25");
  Record("15:00", {"the kittens were playing in the sun all afternoon", "i am so happy with the new garden",
                   "the garden looks wonderful"});
  Understand();
  auto actions = db().insights.ListInsights(tenant_.id, {.scope = InsightScope::kEpisode, .kind = InsightKind::kAction}, 10, "");
  ASSERT_TRUE(actions.ok());
  auto call = std::find_if(actions->items.begin(), actions->items.end(),
                           [](const Insight& a) { return EpisodeBodyOf(a).text == "call stella tomorrow"; });
  ASSERT_NE(call, actions->items.end()) << [&] {
    std::string all;
    for (const Insight& a : actions->items) all += a.body + "\n";
    return all;
  }();
  ASSERT_EQ(call->due_date, "2026-11-26") << "'tomorrow', said on the 25th";
  Insight done = *call;
  done.state = InsightState::kDone;
  done.updated_at = *LocalClockTime("2026-11-26", "18:00", kZone);  // ticked off in the evening
  ASSERT_TRUE(db().insights.PutInsight(done).ok());

  auto digest = DigestBuilder(db()).Build({tenant_.id, "2026-11-26", kZone});
  ASSERT_TRUE(digest.ok()) << digest.status().message();
  const json& d = *digest;
  auto texts = [](const json& list) {
    std::vector<std::string> out;
    for (const json& item : list) out.push_back(item.is_string() ? item.get<std::string>() : item.value("text", ""));
    return out;
  };
  EXPECT_THAT(texts(d["actions"]["due"]), ::testing::Contains("call stella tomorrow")) << d["actions"].dump();
  EXPECT_THAT(texts(d["actions"]["done"]), ::testing::Contains("call stella tomorrow"));
  EXPECT_THAT(texts(d["actions"]["new"]), ::testing::Not(::testing::Contains("call stella tomorrow"))) << "said the day before";

  const json& compared = d["compared_with_last_7_days"];
  std::vector<std::string> repeating = texts(compared["repeating_topics"]), fresh = texts(compared["new_topics"]);
  EXPECT_TRUE(std::any_of(repeating.begin(), repeating.end(), [](const std::string& t) { return t.find("kitten") == 0; }))
      << compared.dump();
  EXPECT_THAT(fresh, ::testing::Contains("garden")) << compared.dump();
  EXPECT_TRUE(std::none_of(fresh.begin(), fresh.end(), [](const std::string& t) { return t.find("kitten") == 0; }));

  ASSERT_EQ(d["emotions"].size(), 1u) << "one conversation that day";
  const json& emotion = d["emotions"][0];
  EXPECT_GT(emotion["valence"].get<double>(), 0) << "happy, wonderful: " << emotion.dump();
  EXPECT_NEAR(emotion["arousal"].get<double>(), 0.4, 1e-9) << "from the voice";
  EXPECT_EQ(emotion["local_time"], "15:00");
  EXPECT_FALSE(emotion["sources"].empty());

  bool garden_learned_today = false, kittens_known_before = false;
  for (const json& entry : d["memory"]) {
    std::string label = entry["label"];
    if (label == "garden") garden_learned_today = entry["learned_today"];
    if (label.find("kitten") == 0) kittens_known_before = !entry["learned_today"].get<bool>() && entry["episodes"] == 2;
  }
  EXPECT_TRUE(garden_learned_today) << d["memory"].dump();
  EXPECT_TRUE(kittens_known_before) << d["memory"].dump();
}

TEST_F(DigestTest, EmptyAndThinDaysSaySoInsteadOfInventing) {
  auto built = DigestBuilder(db()).Build({tenant_.id, "2026-11-25", kZone});
  ASSERT_TRUE(built.ok());
  const json empty = *built;
  EXPECT_EQ(empty["status"], "empty");
  EXPECT_EQ(empty["summary"]["text"], "Nothing was recorded on 2026-11-25.");
  EXPECT_TRUE(empty["timeline"].empty());

  Record("11:00", {"hmm okay then"}, "uncertain");
  Understand();
  auto thin_built = DigestBuilder(db()).Build({tenant_.id, "2026-11-26", kZone});
  ASSERT_TRUE(thin_built.ok());
  const json thin = *thin_built;
  EXPECT_EQ(thin["status"], "degraded");
  EXPECT_THAT(thin["degraded_reasons"].dump(), HasSubstr("little speech"));
  EXPECT_THAT(thin["degraded_reasons"].dump(), HasSubstr("mostly uncertain"));
  EXPECT_THAT(thin["summary"]["text"].get<std::string>(), HasSubstr("may miss things"));
}

TEST_F(DigestTest, MarkdownEscapesWhatWasSaid) {
  Record("10:00", {"please send *all* the [files] to #general now and then", "the budget review went well today"});
  Understand();
  auto d = DigestBuilder(db()).Build({tenant_.id, "2026-11-26", kZone});
  std::string md = RenderDigestMarkdown(*d);
  EXPECT_THAT(md, HasSubstr("# Daily digest — 2026-11-26"));
  EXPECT_THAT(md, HasSubstr("## Timeline"));
  EXPECT_THAT(md, HasSubstr("## Sources"));
  EXPECT_THAT(md, HasSubstr("\\*all\\*"));
  EXPECT_THAT(md, HasSubstr("\\[files\\]"));
  EXPECT_EQ(md.find("send *all*"), std::string::npos) << "only the escaped form appears";
  EXPECT_EQ(EscapeMarkdown("a_b <c>"), "a\\_b \\<c\\>");
}

std::string PdfText(const std::string& pdf, const testing::TempDir& dir) {
  std::string path = dir / "digest.pdf";
  std::ofstream(path, std::ios::binary) << pdf;
  std::string command = "pdftotext -enc UTF-8 " + path + " " + (dir / "digest.txt");
  EXPECT_EQ(testing::Run(command), 0) << "pdftotext (poppler-utils) must be installed";
  std::ifstream in(dir / "digest.txt");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(DigestTest, PdfRendersCyrillicAndLatinWithChartsDeterministically) {
  RecordADay();
  auto d = DigestBuilder(db()).Build({tenant_.id, "2026-11-26", kZone});
  ASSERT_TRUE(d.ok());
  auto pdf = RenderDigestPdf(*d);
  ASSERT_TRUE(pdf.ok()) << pdf.status().message();
  EXPECT_EQ(pdf->rfind("%PDF-", 0), 0u);
  EXPECT_EQ(*RenderDigestPdf(*d), *pdf) << "the same digest gives the same bytes";
  std::string text = PdfText(*pdf, dir_);
  EXPECT_THAT(text, HasSubstr("2026-11-26"));
  EXPECT_THAT(text, HasSubstr("Emotion through the day"));
  EXPECT_THAT(text, HasSubstr("Speech per hour"));
  EXPECT_THAT(text, HasSubstr("call stella"));
  EXPECT_THAT(text, HasSubstr("выпьем за сделку"));  // Cyrillic, from the sources
  int pages = static_cast<int>(std::count(text.begin(), text.end(), '\f'));
  EXPECT_GE(pages, 3) << "cover, charts, and the rest";
  // Every font is embedded (a reader without DejaVu still shows Cyrillic): pdffonts' "emb" column.
  std::string fonts = dir_ / "fonts.txt";
  ASSERT_EQ(testing::Run("pdffonts " + (dir_ / "digest.pdf") + " > " + fonts), 0) << "pdffonts (poppler-utils)";
  std::ifstream listing(fonts);
  std::string line;
  int listed = 0;
  std::getline(listing, line);  // header
  std::getline(listing, line);  // ----
  while (std::getline(listing, line)) {
    if (line.empty()) continue;
    ++listed;
    EXPECT_NE(line.find("DejaVu"), std::string::npos) << line;
    std::istringstream columns(line.substr(line.find("DejaVu")));
    std::vector<std::string> words{std::istream_iterator<std::string>(columns), {}};
    ASSERT_GE(words.size(), 5u) << line;
    EXPECT_EQ(words[words.size() - 5], "yes") << "not embedded: " << line;  // name type encoding emb sub uni object ID
  }
  EXPECT_GE(listed, 1);
  auto empty = RenderDigestPdf(*DigestBuilder(db()).Build({tenant_.id, "2026-11-20", kZone}));
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(PdfText(*empty, dir_), HasSubstr("Nothing was recorded"));
}

TEST_F(DigestTest, TheServiceServesTheStoredDigestUntilNewMaterialMakesItStale) {
  Record("09:10", {en_["p225_001_mic1.flac"], en_["p225_002_mic1.flac"]});
  Understand();
  DigestService service(db(), Config{}, clock_);
  EXPECT_EQ(*service.TimeZoneOf(tenant_.id), kZone);
  auto first = service.Fresh(tenant_.id, "2026-11-26");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->status, DigestStatus::kReady);
  EXPECT_EQ(first->pdf.rfind("%PDF-", 0), 0u);
  EXPECT_THAT(first->markdown, HasSubstr("call stella"));
  clock_.Advance(60);
  auto again = service.Fresh(tenant_.id, "2026-11-26");
  EXPECT_EQ(again->updated_at, first->updated_at) << "served, not rebuilt";
  EXPECT_EQ(again->content_json, first->content_json);

  // New material for the day: stale, rebuilt, and the new conversation is in it.
  Record("21:00", {en_["3752-4944-0000.flac"]});
  Understand();
  auto rebuilt = service.Fresh(tenant_.id, "2026-11-26");
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_NE(rebuilt->inputs_hash, first->inputs_hash);
  EXPECT_GT(rebuilt->updated_at, first->updated_at);
  EXPECT_EQ(json::parse(rebuilt->content_json)["figures"]["recordings"], 2);
  // Stored sealed: no file of the database (its WAL holds the latest writes) has the digest's words.
  auto files = testing::FileContentsUnder(dir_.path());
  ASSERT_GE(files.size(), 2u) << "the database and its WAL";
  for (const auto& [path, bytes] : files) {
    EXPECT_EQ(bytes.find("Captain"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("call stella"), std::string::npos) << path;
  }
}

// Understanding that is not there today: a model that does not answer.
class UnderstandingThatFails : public EpisodeUnderstanding {
 public:
  Result<std::vector<Insight>> Understand(const Episode&, const std::vector<EpisodeSegment>&) const override {
    return Unavailable("the model does not answer");
  }
};

// Asked for right after a recording, the day's digest covers what understanding has not reached
// — the conversation still going, speech that continues it, speech not yet grouped at all —
// understood on the spot, marked provisional, stored nowhere; once understanding reaches it, the
// next Fresh() replaces the provisional digest with the understood one.
TEST_F(DigestTest, ADayInProgressIsUnderstoodOnTheSpotAndReplacedOnceUnderstood) {
  const std::string today = "2026-11-27";  // the fake clock's day in Moscow (01:50)
  Record("01:40", {en_["p225_001_mic1.flac"]}, "trusted", today);
  EpisodeBuilder episodes(db(), 90, clock_);
  ASSERT_TRUE(episodes.Run().ok());
  auto listed = db().episodes.ListEpisodes(tenant_.id, {}, 10, "");
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].state, EpisodeState::kOpen) << "the conversation is still going";
  Record("01:41", {en_["p225_002_mic1.flac"]}, "trusted", today);  // continues it, not grouped yet
  Record("01:49", {en_["1988-24833-0000.flac"], en_["1988-24833-0001.flac"]}, "trusted", today);  // a new one

  // Without understanding on the spot, or where it fails: what is grouped is listed, not understood.
  UnderstandingThatFails failing;
  for (const EpisodeUnderstanding* understanding : {static_cast<const EpisodeUnderstanding*>(nullptr),
                                                    static_cast<const EpisodeUnderstanding*>(&failing)}) {
    auto built = DigestBuilder(db(), {understanding, 90}).Build({tenant_.id, today, kZone});
    ASSERT_TRUE(built.ok()) << built.status().message();
    const json d = *built;
    EXPECT_FALSE(d["provisional"].get<bool>());
    EXPECT_EQ(d["status"], "degraded");
    EXPECT_THAT(d["degraded_reasons"].dump(), HasSubstr("not understood yet"));
    for (const json& moment : d["timeline"]) EXPECT_TRUE(moment["summary"].is_null());
    EXPECT_TRUE(d["actions"]["new"].empty());
  }

  EmbeddedProvider provider;
  Enricher enricher(db(), provider, clock_);
  DigestService service(db(), Config{}, clock_, &enricher);
  ASSERT_EQ(*service.ResolveDate(tenant_.id, "today"), today);
  auto provisional = service.Fresh(tenant_.id, today);
  ASSERT_TRUE(provisional.ok()) << provisional.status().message();
  const json p = json::parse(provisional->content_json);
  EXPECT_TRUE(p["provisional"].get<bool>());
  EXPECT_EQ(p["status"], "ok") << p["degraded_reasons"].dump();
  ASSERT_EQ(p["timeline"].size(), 2u);
  EXPECT_EQ(p["timeline"][0]["episode_id"], listed->items[0].id);
  EXPECT_EQ(p["timeline"][1]["episode_id"], "provisional-1") << "a conversation that exists only in this digest";
  EXPECT_EQ(p["timeline"][0]["local_end"], "01:41") << "stretched by the speech that continues it";
  for (const json& moment : p["timeline"]) {
    EXPECT_TRUE(moment["provisional"].get<bool>());
    EXPECT_TRUE(moment["summary"].is_string());
  }
  std::vector<std::string> topics;
  for (const json& t : p["topics"]) topics.push_back(t["text"]);
  EXPECT_TRUE(std::any_of(topics.begin(), topics.end(), [](const std::string& t) { return t.find("kitten") == 0; }))
      << "the speech not grouped yet is understood too: " << p["topics"].dump();
  ASSERT_FALSE(p["actions"]["new"].empty());
  EXPECT_EQ(p["actions"]["new"][0]["text"], "call stella");
  EXPECT_EQ(p["actions"]["new"][0]["id"], "") << "nothing is stored under a provisional action";
  EXPECT_THAT(p["summary"]["text"].get<std::string>(), HasSubstr("2 conversations"));
  EXPECT_THAT(provisional->markdown, HasSubstr("provisional: 2 conversations not yet understood were read on the spot"));
  auto stored = db().insights.ListInsights(tenant_.id, {}, 10, "");
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->items.empty()) << "understanding on the spot keeps nothing";
  clock_.Advance(30);
  EXPECT_EQ(service.Fresh(tenant_.id, today)->updated_at, provisional->updated_at) << "served, not understood again";

  // The conversations end and are understood for good: the digest is stale and rebuilt, final.
  ASSERT_TRUE(episodes.Run().ok());  // grouped …
  clock_.Advance(600);
  ASSERT_TRUE(episodes.Run().ok());  // … and quiet long enough to close
  auto enriched = enricher.Run();
  ASSERT_TRUE(enriched.ok());
  EXPECT_EQ(enriched->episodes_enriched, 2);
  auto understood = service.Fresh(tenant_.id, today);
  ASSERT_TRUE(understood.ok()) << understood.status().message();
  EXPECT_NE(understood->inputs_hash, provisional->inputs_hash);
  const json u = json::parse(understood->content_json);
  EXPECT_FALSE(u["provisional"].get<bool>());
  ASSERT_EQ(u["timeline"].size(), 2u);
  EXPECT_EQ(u["timeline"][0]["episode_id"], listed->items[0].id);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_FALSE(u["timeline"][i]["provisional"].get<bool>());
    EXPECT_EQ(u["timeline"][i]["summary"], p["timeline"][i]["summary"]) << "the same words, the same understanding";
  }
  auto actions = db().insights.ListInsights(tenant_.id, {.kind = InsightKind::kAction}, 10, "");
  ASSERT_FALSE(actions->items.empty());
  EXPECT_NE(u["actions"]["new"][0]["id"], "");
  EXPECT_THAT(understood->markdown, ::testing::Not(HasSubstr("provisional")));
}

TEST_F(DigestTest, ADayIsNeverBuiltTwiceAtOnce) {
  ASSERT_TRUE(*db().digests.ClaimDigestBuild(tenant_.id, "2026-11-26", AddSeconds(clock_.Now(), 120)));
  EXPECT_FALSE(*db().digests.ClaimDigestBuild(tenant_.id, "2026-11-26", AddSeconds(clock_.Now(), 120)));
  clock_.Advance(121);  // the first builder died: its lease runs out
  EXPECT_TRUE(*db().digests.ClaimDigestBuild(tenant_.id, "2026-11-26", AddSeconds(clock_.Now(), 120)));
  Digest done{tenant_.id, "2026-11-26", DigestStatus::kReady, "h", "{}", "md", "pdf", "", {}};
  ASSERT_TRUE(db().digests.StoreDigest(done).ok());

  // A stale day whose build someone else holds: answered at once, never waited for.
  Record("09:10", {en_["p225_001_mic1.flac"]});
  Understand();
  DigestService service(db(), Config{}, clock_);
  ASSERT_TRUE(*db().digests.ClaimDigestBuild(tenant_.id, "2026-11-26", AddSeconds(clock_.Now(), 120)));
  auto busy = service.Fresh(tenant_.id, "2026-11-26");
  ASSERT_FALSE(busy.ok());
  EXPECT_TRUE(DigestService::IsBuilding(busy.status())) << busy.status().ToString();
  EXPECT_TRUE(DigestService::IsBuilding(service.Rebuild(tenant_.id, "2026-11-26").status()));
  clock_.Advance(121);  // that build died

  // Two requests at once: one builds; the other serves that build or hears it is being built.
  Result<Digest> a = Internal("unset"), b = Internal("unset");
  std::thread first([&] { a = service.Fresh(tenant_.id, "2026-11-26"); });
  std::thread second([&] { b = service.Fresh(tenant_.id, "2026-11-26"); });
  first.join();
  second.join();
  ASSERT_TRUE(a.ok() || b.ok()) << a.status().ToString() << " / " << b.status().ToString();
  for (const auto* answer : {&a, &b}) {
    if (!answer->ok()) {
      EXPECT_TRUE(DigestService::IsBuilding(answer->status())) << answer->status().ToString();
    }
  }
  const Digest& built = a.ok() ? *a : *b;
  auto later = service.Fresh(tenant_.id, "2026-11-26");
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->updated_at, built.updated_at) << "one build, served to whoever asks next";
  EXPECT_EQ(later->content_json, built.content_json);
  auto listed = db().digests.ListDigests(tenant_.id, "", "", 10, "");
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].status, DigestStatus::kReady);
  EXPECT_TRUE(listed->items[0].content_json.empty()) << "listings carry no contents";
}

}  // namespace
}  // namespace reflexio

namespace reflexio {
namespace {

TimePoint Utc(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(DigestScheduleTest, DueAtTheLocalDigestTimeInEveryZoneAndAcrossDaylightSaving) {
  // 13:50 UTC is 22:50 in Tokyo (UTC+9) and 08:50 in New York (UTC-5).
  auto tokyo = DigestSchedule::DueDates(Utc("2026-11-26T13:50:00Z"), "Asia/Tokyo", "22:50", 0);
  EXPECT_EQ(*tokyo, (std::vector<std::string>{"2026-11-26"}));
  EXPECT_TRUE(DigestSchedule::DueDates(Utc("2026-11-26T13:49:59Z"), "Asia/Tokyo", "22:50", 0)->empty());
  EXPECT_TRUE(DigestSchedule::DueDates(Utc("2026-11-26T13:50:00Z"), "America/New_York", "22:50", 0)->empty());
  // Berlin: 22:50 is 21:50 UTC on the last winter-time day and 20:50 UTC on the day summer time begins.
  EXPECT_TRUE(DigestSchedule::DueDates(Utc("2026-03-28T21:49:00Z"), "Europe/Berlin", "22:50", 0)->empty());
  EXPECT_EQ(DigestSchedule::DueDates(Utc("2026-03-28T21:50:00Z"), "Europe/Berlin", "22:50", 0)->size(), 1u);
  EXPECT_TRUE(DigestSchedule::DueDates(Utc("2026-03-29T20:49:00Z"), "Europe/Berlin", "22:50", 0)->empty());
  EXPECT_EQ(*DigestSchedule::DueDates(Utc("2026-03-29T20:50:00Z"), "Europe/Berlin", "22:50", 0),
            (std::vector<std::string>{"2026-03-29"}));
  // With catch-up: the days before, oldest first.
  EXPECT_EQ(*DigestSchedule::DueDates(Utc("2026-11-26T10:00:00Z"), "UTC", "22:50", 2),
            (std::vector<std::string>{"2026-11-24", "2026-11-25"}));
}

// A day is built only once what was said in it is grouped into conversations: a digest built in
// between would say "0 conversations", be sent, and then be rebuilt differently.
TEST_F(DigestTest, TheScheduleWaitsUntilTheDaysSpeechIsGroupedIntoConversations) {
  Record("09:10", {en_["p225_001_mic1.flac"]});
  testing::FakeClock clock;
  clock.Advance(ToUnixSeconds(*ParseRfc3339("2026-11-26T20:00:00Z")) - clock.seconds());  // 23:00 in Moscow: due
  DigestService service(db(), Config{}, clock);
  CurlHttpClient http;
  TelegramOutbox outbox(db(), http, TelegramOutboxOptions{}, nullptr, nullptr, clock);
  DigestSchedule schedule(db(), service, outbox, clock);
  auto waiting = schedule.Run();
  ASSERT_TRUE(waiting.ok()) << waiting.status().message();
  EXPECT_EQ(waiting->built, 0) << "its speech is in no conversation yet";
  EXPECT_GE(waiting->waiting, 1);
  EXPECT_FALSE(db().digests.GetDigest(tenant_.id, "2026-11-26").value().has_value());
  EpisodeBuilder episodes(db(), 90, clock);
  ASSERT_TRUE(episodes.Run().ok());
  EXPECT_EQ(schedule.Run()->built, 1);
  auto digest = ParseDigestDocument(db().digests.GetDigest(tenant_.id, "2026-11-26").value()->content_json);
  ASSERT_TRUE(digest.ok()) << digest.status().message();
  EXPECT_EQ(digest->figures.episodes, 1);
}

TEST_F(DigestTest, TheScheduleBuildsEachDayOnceAndCatchesUpAfterDowntime) {
  // Recorded on the 26th (Moscow); the server was down until the 28th at 10:00 Moscow time.
  Record("09:10", {en_["p225_001_mic1.flac"]});
  Understand();  // the clock is now days later
  testing::FakeClock clock;
  clock.Advance(ToUnixSeconds(*ParseRfc3339("2026-11-26T16:50:00Z")) - clock.seconds());  // 19:50 in Moscow
  DigestService service(db(), Config{}, clock);
  CurlHttpClient http;
  TelegramOutbox outbox(db(), http, TelegramOutboxOptions{}, nullptr, nullptr, clock);  // no token: nothing is sent
  DigestSchedule schedule(db(), service, outbox, clock);
  auto before = schedule.Run();
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_EQ(before->built, 0) << "19:50 in Moscow: not yet";
  clock.Advance(3 * 3600);  // 22:50 in Moscow
  EXPECT_EQ(schedule.Run()->built, 1);
  EXPECT_EQ((*db().digests.GetDigest(tenant_.id, "2026-11-26"))->status, DigestStatus::kReady);
  EXPECT_EQ(schedule.Run()->built, 0) << "once";

  // A second tenant in New York whose day has recordings; the server stops for two days.
  Tenant bob = db().tenants.EnsureTenant("bob").value();
  TenantSettings settings;
  settings.timezone = "America/New_York";
  ASSERT_TRUE(db().privacy.PutTenantSettings(bob.id, settings).ok());
  Recording r;
  r.tenant_id = bob.id;
  r.id = NewId();
  r.content_type = "audio/flac";
  r.body_sha256 = "00";
  r.captured_at = r.received_at = *LocalClockTime("2026-11-26", "12:00", "America/New_York");
  r.source_path = "incoming/x";
  ASSERT_TRUE(db().recordings.InsertRecording(r, "transcribe", 3).ok());
  clock.Advance(2 * 86400);  // the 28th, 22:50 in Moscow, 14:50 in New York
  auto waiting = schedule.Run();
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(waiting->waiting, 1) << "Bob's 26th waits while its recording is being transcribed";
  EXPECT_FALSE((*db().digests.GetDigest(bob.id, "2026-11-26")).has_value());
  EXPECT_EQ(waiting->built, 1) << "Alice's 28th";
  auto job = db().jobs.ClaimJob("w", 30);
  ASSERT_TRUE(job.ok() && job->has_value());
  ASSERT_TRUE(db().transcripts.CompleteTranscription(**job, Transcription{}).ok());
  auto caught_up = schedule.Run();
  ASSERT_TRUE(caught_up.ok());
  // Alice: the 27th (nothing recorded: skipped) and the 28th (today, built); Bob: the 26th (recorded).
  EXPECT_TRUE((*db().digests.GetDigest(tenant_.id, "2026-11-28")).has_value());
  EXPECT_FALSE((*db().digests.GetDigest(tenant_.id, "2026-11-27")).has_value());
  EXPECT_TRUE((*db().digests.GetDigest(bob.id, "2026-11-26")).has_value());
  EXPECT_FALSE((*db().digests.GetDigest(bob.id, "2026-11-28")).has_value()) << "14:50 in New York: not yet";
  EXPECT_EQ(caught_up->built, 1);
  auto issued = db().outbox.GetDelivery(bob.id, "2026-11-26", DeliveryOrigin::kSchedule);
  ASSERT_TRUE(issued.ok() && issued->has_value());
  EXPECT_EQ((*issued)->state, DeliveryState::kSkipped);
  EXPECT_THAT((*issued)->last_error, HasSubstr("TELEGRAM_BOT_TOKEN"));
}

}  // namespace
}  // namespace reflexio
