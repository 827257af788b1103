#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "asr/pocketsphinx_engine.h"
#include "audio/decoder.h"
#include "core/file_util.h"
#include "core/test_support.h"
#include "pipeline/ingest.h"
#include "pipeline/processor.h"
#include "pipeline/speech_pipeline.h"
#include "storage/postgres_database.h"
#include "storage/testing/postgres_fixture.h"
#include "text/normalize.h"
#include "storage/sqlite_database.h"
#include "text/wer.h"

namespace reflexio {
namespace {

namespace fs = std::filesystem;
using testing::SpeechDir;
using testing::TempDir;

std::shared_ptr<EnginePool> SharedPool() {
  static std::shared_ptr<EnginePool> pool = [] {
    auto made = EnginePool::Create(2, [] { return PocketSphinxEngine::Create("/usr/share/pocketsphinx/model/en-us"); });
    EXPECT_TRUE(made.ok());
    return std::shared_ptr<EnginePool>(std::move(made).value());
  }();
  return pool;
}

TEST(SpeechPipeline, TranscribesTwoUtterancesIntoTimedSegments) {
  std::vector<float> samples(kSampleRate / 2, 0.0f);
  auto a = DecodeAudioFile((SpeechDir() / "3752-4944-0000.flac").string());
  auto b = DecodeAudioFile((SpeechDir() / "1988-24833-0000.flac").string());
  ASSERT_TRUE(a.ok() && b.ok());
  samples.insert(samples.end(), a->samples.begin(), a->samples.end());
  samples.insert(samples.end(), 2 * kSampleRate, 0.0f);
  samples.insert(samples.end(), b->samples.begin(), b->samples.end());
  EnergyVad vad;
  TimePoint captured = FromUnixSeconds(1795733400);
  auto result = RunSpeechPipeline(samples, vad, *SharedPool(), captured);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const auto& segments = result->transcription.segments;
  ASSERT_GE(segments.size(), 2u);
  std::string text;
  for (const auto& seg : segments) {
    text += seg.text + " ";
    EXPECT_NEAR(ToUnixSeconds(seg.captured_at), 1795733400 + seg.start_s, 0.002);
    for (const auto& w : seg.words) {
      EXPECT_GE(w.start_s, seg.start_s - 1e-6) << w.word;
      EXPECT_LE(w.end_s, seg.end_s + 0.02) << w.word;
    }
  }
  auto errors = ScoreWords("captain frere says that the scenery is delightful the two stray kittens gradually make "
                           "themselves at home", text);
  EXPECT_LT(errors.Rate(), 0.6) << text;
  EXPECT_GT(result->transcription.speech_s, 4.0);
  EXPECT_LT(result->transcription.speech_s, samples.size() / double(kSampleRate) - 2.0);
  EXPECT_GT(result->asr_compute_s, 0.0);
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.data_dir = dir_.path().string();
    db_ = SqliteDatabase::Open(dir_ / "reflexio.db", EmbeddedSqliteMigrations()).value();
    tenant_ = db_->EnsureTenant("alice").value();
    blobs_ = std::make_unique<FilesystemBlobStore>(dir_.path(), dir_.path() / "tmp");
    ingestor_ = std::make_unique<Ingestor>(*db_, *blobs_, config_, metrics_, [this] { ++queued_; }, clock_);
  }
  // Begin, the body in pieces as a server receives it, Finish.
  Result<InsertOutcome> Ingest(const std::string& content_type, const std::string& bytes,
                               std::optional<std::string> idempotency_key = std::nullopt,
                               std::optional<TimePoint> captured_at = std::nullopt) {
    ASSIGN_OR_RETURN(auto upload, ingestor_->Begin({tenant_.id, content_type, captured_at, idempotency_key}));
    for (size_t at = 0; at < bytes.size(); at += 7000) RETURN_IF_ERROR(upload->Write(bytes.substr(at, 7000)));
    EXPECT_EQ(upload->bytes(), bytes.size());
    return ingestor_->Finish(std::move(upload));
  }
  std::string SpeechBytes(const std::string& name) { return *ReadWholeFile(SpeechDir() / name); }
  void ExpectNothingStored() {
    EXPECT_EQ(testing::FilesUnder(dir_.path() / "incoming"), 0u);
    EXPECT_EQ(testing::FilesUnder(dir_.path() / "tmp"), 0u);
    EXPECT_TRUE(db_->ListRecordings(tenant_.id, {}, 10, "")->items.empty());
    EXPECT_EQ(db_->GetQueueStats()->queued, 0);
  }

  TempDir dir_;
  Config config_;
  Metrics metrics_;
  testing::FakeClock clock_;
  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<FilesystemBlobStore> blobs_;
  Tenant tenant_;
  std::unique_ptr<Ingestor> ingestor_;
  int queued_ = 0;
};

TEST_F(IngestTest, AcceptsAudioDurablyAndQueuesOneJob) {
  auto outcome = Ingest("audio/flac", SpeechBytes("3752-4944-0000.flac"), std::nullopt, FromUnixSeconds(1795700000));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  const Recording& r = outcome->recording;
  EXPECT_FALSE(outcome->replayed);
  EXPECT_EQ(r.status, RecordingStatus::kQueued);
  EXPECT_TRUE(fs::exists(dir_.path() / r.source_path));
  EXPECT_EQ(testing::FilesUnder(dir_.path() / "tmp"), 0u) << "the staged body was moved into place";
  EXPECT_NEAR(*r.duration_s, 3.335, 0.05);
  EXPECT_EQ(FormatRfc3339(r.captured_at), "2026-11-26T13:33:20.000Z");
  EXPECT_EQ(r.received_at, clock_.Now()) << "received by the injected clock";
  EXPECT_EQ(db_->GetQueueStats()->queued, 1);
  EXPECT_EQ(queued_, 1);
}

TEST_F(IngestTest, WithoutACaptureTimeTheRecordingIsDatedWhenReceived) {
  clock_.Advance(90);
  auto outcome = Ingest("audio/flac", SpeechBytes("3752-4944-0000.flac"));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(FormatRfc3339(outcome->recording.captured_at), "2026-11-26T22:51:30.000Z");
  EXPECT_EQ(outcome->recording.received_at, outcome->recording.captured_at);
}

TEST_F(IngestTest, RefusesWhatIsNotAudioAndKeepsNothing) {
  struct Case { std::string type, body; ErrorCode code; } cases[] = {
      {"text/plain", "hello", ErrorCode::kUnsupportedMedia},
      {"", "hello", ErrorCode::kUnsupportedMedia},
      {"audio/wav", "", ErrorCode::kInvalidArgument},
      {"audio/wav", std::string(5000, 'x'), ErrorCode::kUnsupportedMedia},
      {"audio/flac", SpeechBytes("2412-153948-0000.flac").substr(0, 60000), ErrorCode::kUnprocessable},
  };
  for (const auto& c : cases) {
    auto outcome = Ingest(c.type, c.body);
    ASSERT_FALSE(outcome.ok()) << c.type;
    EXPECT_EQ(outcome.status().code(), c.code) << c.type << ": " << outcome.status().message();
  }
  ExpectNothingStored();
}

TEST_F(IngestTest, IdempotencyKeyReplaysAndRefusesADifferentBody) {
  auto a = Ingest("audio/flac", SpeechBytes("3752-4944-0000.flac"), "phone-42");
  ASSERT_TRUE(a.ok());
  auto b = Ingest("audio/flac", SpeechBytes("3752-4944-0000.flac"), "phone-42");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->replayed);
  EXPECT_EQ(b->recording.id, a->recording.id);
  auto c = Ingest("audio/flac", SpeechBytes("3752-4944-0001.flac"), "phone-42");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(db_->ListRecordings(tenant_.id, {}, 10, "")->items.size(), 1u);
  EXPECT_EQ(testing::FilesUnder(dir_.path() / "incoming"), 1u);
  EXPECT_EQ(testing::FilesUnder(dir_.path() / "tmp"), 0u);
}

TEST_F(IngestTest, ProcessorStoresOpusTranscriptAndRemovesTheUpload) {
  auto outcome = Ingest("audio/flac", SpeechBytes("3752-4944-0000.flac"));
  ASSERT_TRUE(outcome.ok());
  RecordingProcessor processor(PlainStores(*db_), *blobs_, *SharedPool(), config_, metrics_);
  auto job = db_->ClaimJob("test", 30);
  ASSERT_TRUE(job.ok() && job->has_value());
  JobOutcome result = processor.Process(**job);
  ASSERT_TRUE(result.status.ok()) << result.stage << ": " << result.status.ToString();
  auto r = *db_->GetRecording(tenant_.id, outcome->recording.id);
  EXPECT_EQ(r->status, RecordingStatus::kTranscribed);
  EXPECT_FALSE(fs::exists(dir_.path() / outcome->recording.source_path));
  auto stored = DecodeAudioFile((dir_.path() / r->audio_path).string());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->container, "ogg");
  EXPECT_NEAR(stored->DurationSeconds(), 3.335, 0.05);
  auto segments = db_->GetSegments(tenant_.id, r->id);
  ASSERT_FALSE(segments->empty());
  EXPECT_LT(ScoreWords("captain frere says that the scenery is delightful", segments->at(0).text).Rate(), 0.6);
  EXPECT_NE(metrics_.Serialize().find("reflexio_audio_seconds_total 3.3"), std::string::npos);
}

TEST(AssessQuality, JudgesEachSegmentAgainstTheOnesBeforeIt) {
  auto segment = [](std::string text, double start, double end, double confidence) {
    Segment s;
    s.text = text;
    s.start_s = start;
    s.end_s = end;
    for (const auto& w : NormalizedWords(text)) s.words.push_back({w, start, end, confidence});
    return s;
  };
  std::vector<Segment> segments = {segment("let us meet at the station at nine", 0, 3, 0.9),
                                   segment("let us meet at the station at nine", 4, 7, 0.9),
                                   segment("okay okay okay okay okay", 8, 10, 0.9),
                                   segment("bring the tickets please", 11, 13, 0.2)};
  AssessQuality(segments);
  EXPECT_EQ(segments[0].quality, "trusted");
  EXPECT_EQ(segments[1].quality, "uncertain");
  EXPECT_EQ(segments[1].quality_reasons, std::vector<std::string>{"near_duplicate"});
  EXPECT_EQ(segments[2].quality, "garbage");
  EXPECT_EQ(segments[3].quality_reasons, std::vector<std::string>{"low_confidence"});
}

}  // namespace
}  // namespace reflexio
