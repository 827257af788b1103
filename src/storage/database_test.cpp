// The Database contract, run against every backend: SQLite (embedded) and PostgreSQL.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <set>
#include <thread>

#include "core/ids.h"
#include "core/test_support.h"
#include "storage/codecs.h"
#include "storage/cursor.h"
#include "storage/migrations.h"
#include "storage/postgres_database.h"
#include "storage/postgres_scratch.h"
#include "storage/search_windows.h"
#include "storage/sqlite.h"
#include "storage/sqlite_database.h"
#include "storage/testing/test_backend.h"

namespace reflexio {
namespace {

using testing::FakeClock;
using testing::TempDir;

class DatabaseTest : public testing::TwoTenantBackendTest {
 protected:
  Recording NewRecording(const Tenant& tenant, double captured_offset = 0,
                         std::optional<std::string> key = std::nullopt) {
    Recording r;
    r.tenant_id = tenant.id;
    r.id = NewId();
    r.content_type = "audio/flac";
    r.original_bytes = 1000;
    r.body_sha256 = "00";
    r.idempotency_key = key;
    r.captured_at = AddSeconds(clock_.Now(), captured_offset);
    r.received_at = clock_.Now();
    r.source_path = "incoming/" + r.id;
    return r;
  }

  Transcription TranscriptOf(const Recording& r, const std::string& text) {
    Transcription t;
    t.duration_s = 4;
    t.speech_s = 3;
    t.audio_path = "audio/" + r.id + ".opus";
    t.engine = "pocketsphinx";
    t.language = "en";
    Segment seg;
    seg.seq = 0;
    seg.start_s = 0.5;
    seg.end_s = 3.5;
    seg.captured_at = AddSeconds(r.captured_at, 0.5);
    seg.text = text;
    seg.index_terms = text;  // the backend indexes whatever tokens it is given
    seg.words.push_back({"word", 0.6, 0.9, 0.8});
    seg.engine = "pocketsphinx";
    seg.language = "en";
    t.segments.push_back(seg);
    return t;
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(DatabaseTest, TenantsAreCreatedOnceByName) {
  auto again = db_->EnsureTenant("alice");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, alice_.id);
  EXPECT_EQ(*db_->CountTenants(), 2);
}

TEST_P(DatabaseTest, OperatorKeysAreNoTenantsAndTenantKeysAreNoOperators) {
  ASSERT_TRUE(db_->AddApiKey(alice_.id, "hash-tenant", "rfx_aaaaaa").ok());
  ASSERT_TRUE(db_->AddOperatorKey("hash-operator", "rfx_oooooo").ok());
  EXPECT_TRUE(*db_->IsOperatorKeyHash("hash-operator"));
  EXPECT_FALSE(*db_->IsOperatorKeyHash("hash-tenant"));
  EXPECT_FALSE(*db_->IsOperatorKeyHash("hash-unknown"));
  EXPECT_FALSE(db_->TenantForKeyHash("hash-operator")->has_value()) << "an operator key reaches no tenant";
}

TEST_P(DatabaseTest, KeysResolveToTheirTenantOnly) {
  ASSERT_TRUE(db_->AddApiKey(alice_.id, "hash-a", "rfx_aaaaaa").ok());
  auto found = db_->TenantForKeyHash("hash-a");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, alice_.id);
  auto missing = db_->TenantForKeyHash("hash-b");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_FALSE(db_->AddApiKey(bob_.id, "hash-a", "rfx_aaaaaa").ok()) << "a hash belongs to one key";
}

TEST_P(DatabaseTest, ARecordingIsInvisibleToAnotherTenant) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  EXPECT_TRUE(db_->GetRecording(alice_.id, r.id)->has_value());
  EXPECT_FALSE(db_->GetRecording(bob_.id, r.id)->has_value());
  EXPECT_TRUE(db_->ListRecordings(bob_.id, {}, 10, "")->items.empty());
}

// How a stream finds where it left off (api/stream_ingest.h): the greatest key with its prefix,
// in byte order whatever the database's locale, the tenant's own only, and a prefix taken
// literally (LIKE's wildcards in it match nothing but themselves).
TEST_P(DatabaseTest, TheLastKeyWithAPrefixIsTheGreatestOfTheTenantsOwn) {
  for (const char* key : {"stream:a_c-1:000000000320-000000016000", "stream:a_c-1:000000048000-000000064000",
                          "stream:a_c-1:000000016000-000000032000", "stream:abc-1:000000099000-000000099999",
                          "stream:a_c-10:000000099000-000000099999", "upload-9"}) {
    ASSERT_TRUE(db_->InsertRecording(NewRecording(alice_, 0, key), "transcribe", 3).ok()) << key;
  }
  ASSERT_TRUE(db_->InsertRecording(NewRecording(bob_, 0, "stream:a_c-1:000000900000-000000999999"), "transcribe", 3).ok());
  auto last = db_->LastIdempotencyKeyWithPrefix(alice_.id, "stream:a_c-1:");
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ(**last, "stream:a_c-1:000000048000-000000064000");
  auto none = db_->LastIdempotencyKeyWithPrefix(alice_.id, "stream:never:");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(DatabaseTest, IdempotencyKeyReturnsTheFirstRecordingPerTenant) {
  Recording first = NewRecording(alice_, 0, "upload-1");
  auto a = db_->InsertRecording(first, "transcribe", 3);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->replayed);
  auto b = db_->InsertRecording(NewRecording(alice_, 0, "upload-1"), "transcribe", 3);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->replayed);
  EXPECT_EQ(b->recording.id, first.id);
  // The same key from another tenant is a different upload.
  auto c = db_->InsertRecording(NewRecording(bob_, 0, "upload-1"), "transcribe", 3);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->replayed);
  EXPECT_EQ(db_->GetQueueStats()->queued, 2);
}

TEST_P(DatabaseTest, ListsNewestFirstAcrossPages) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(db_->InsertRecording(NewRecording(alice_, i * 60), "transcribe", 3).ok());
  auto first = db_->ListRecordings(alice_.id, {}, 2, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  ASSERT_TRUE(first->next_cursor.has_value());
  EXPECT_GT(first->items[0].captured_at, first->items[1].captured_at);
  auto second = db_->ListRecordings(alice_.id, {}, 2, *first->next_cursor);
  auto third = db_->ListRecordings(alice_.id, {}, 2, *second->next_cursor);
  ASSERT_EQ(third->items.size(), 1u);
  EXPECT_FALSE(third->next_cursor.has_value());
  EXPECT_LT(second->items[1].captured_at, first->items[1].captured_at);
  auto window = db_->ListRecordings(alice_.id, {AddSeconds(clock_.Now(), 60), AddSeconds(clock_.Now(), 180)}, 10, "");
  EXPECT_EQ(window->items.size(), 2u);
  EXPECT_FALSE(db_->ListRecordings(alice_.id, {}, 2, "zz").ok());
}

// Times a backend keeps finer than a millisecond (PostgreSQL keeps microseconds) must not make
// the next page skip rows of the same millisecond; a tampered cursor is refused, not run.
TEST_P(DatabaseTest, PagesNeitherSkipNorRepeatRowsWithinOneMillisecond) {
  std::set<std::string> inserted, seen;
  for (int i = 0; i < 4; ++i) {
    Recording r = NewRecording(alice_, 30 + i * 0.0002);  // 0.2 ms apart
    inserted.insert(r.id);
    ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  }
  std::string cursor;
  for (int page = 0; page < 8; ++page) {
    auto listed = db_->ListRecordings(alice_.id, {}, 1, cursor);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    for (const Recording& r : listed->items) EXPECT_TRUE(seen.insert(r.id).second) << "seen twice: " << r.id;
    if (!listed->next_cursor) break;
    cursor = *listed->next_cursor;
  }
  EXPECT_EQ(seen, inserted);
  auto tampered = db_->ListRecordings(alice_.id, {}, 1, EncodeKeysetCursor("yesterday", "x"));
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.status().code(), ErrorCode::kInvalidArgument) << tampered.status().ToString();
}

TEST_P(DatabaseTest, JobLifecycleClaimCompleteExactlyOnce) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  auto job = db_->ClaimJob("worker-1", 30);
  ASSERT_TRUE(job.ok() && job->has_value());
  EXPECT_EQ((*db_->GetRecording(alice_.id, r.id))->status, RecordingStatus::kProcessing);
  EXPECT_FALSE(db_->ClaimJob("worker-2", 30)->has_value()) << "a leased job is not handed out twice";
  ASSERT_TRUE(db_->CompleteTranscription(**job, TranscriptOf(r, "hello world")).ok());
  auto done = *db_->GetRecording(alice_.id, r.id);
  EXPECT_EQ(done->status, RecordingStatus::kTranscribed);
  EXPECT_EQ(done->speech_s, 3);
  EXPECT_EQ(db_->GetSegments(alice_.id, r.id)->size(), 1u);
  // A second completion with the same (now finished) lease changes nothing.
  EXPECT_EQ(db_->CompleteTranscription(**job, TranscriptOf(r, "again")).code(), ErrorCode::kConflict);
  EXPECT_EQ(db_->GetSegments(alice_.id, r.id)->at(0).text, "hello world");
}

// The job's completion, the segments and the recording's status are one transaction: when
// storing a segment fails after the job was marked done (here a duplicate segment number, as a
// crash at that moment would), nothing of it stays — the job is still ours to finish or retry.
TEST_P(DatabaseTest, ACompletionThatFailsHalfwayLeavesNothingBehind) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  auto job = db_->ClaimJob("worker-1", 30);
  ASSERT_TRUE(job.ok() && job->has_value());
  Transcription broken = TranscriptOf(r, "first words");
  broken.segments.push_back(broken.segments.front());  // the same seq twice: the second insert fails
  EXPECT_FALSE(db_->CompleteTranscription(**job, broken).ok());
  EXPECT_TRUE(db_->GetSegments(alice_.id, r.id)->empty()) << "no segment of the failed completion";
  EXPECT_EQ((*db_->GetRecording(alice_.id, r.id))->status, RecordingStatus::kProcessing);
  EXPECT_EQ(db_->GetQueueStats()->running, 1) << "the job is not marked done";
  ASSERT_TRUE(db_->CompleteTranscription(**job, TranscriptOf(r, "hello world")).ok()) << "still ours to finish";
  EXPECT_EQ(db_->GetSegments(alice_.id, r.id)->size(), 1u);
}

TEST_P(DatabaseTest, ExpiredLeaseIsReclaimedAndTheOldOwnerCannotComplete) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  auto first = db_->ClaimJob("worker-1", 30);
  clock_.Advance(31);
  auto second = db_->ClaimJob("worker-2", 30);
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->attempts, 2);
  EXPECT_FALSE((*first)->lease_expired);
  EXPECT_TRUE((*second)->lease_expired);
  EXPECT_EQ(db_->CompleteTranscription(**first, TranscriptOf(r, "stale")).code(), ErrorCode::kConflict);
  EXPECT_EQ(db_->RenewLease(**first, 30).code(), ErrorCode::kConflict);
  EXPECT_TRUE(db_->CompleteTranscription(**second, TranscriptOf(r, "fresh")).ok());
  EXPECT_EQ(db_->GetSegments(alice_.id, r.id)->at(0).text, "fresh");
}

TEST_P(DatabaseTest, FailingJobRetriesWithBackoffThenDiesWithItsError) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 2).ok());
  auto job = db_->ClaimJob("w", 30);
  ASSERT_TRUE(db_->FailJob(**job, "decoder crashed", 10).ok());
  EXPECT_FALSE(db_->ClaimJob("w", 30)->has_value()) << "not before its backoff";
  clock_.Advance(11);
  job = db_->ClaimJob("w", 30);
  ASSERT_TRUE(job->has_value());
  ASSERT_TRUE(db_->FailJob(**job, "decoder crashed again", 10).ok());
  auto failed = *db_->GetRecording(alice_.id, r.id);
  EXPECT_EQ(failed->status, RecordingStatus::kFailed);
  EXPECT_EQ(failed->error, "decoder crashed again");
  EXPECT_EQ(db_->GetQueueStats()->dead, 1);
}

TEST_P(DatabaseTest, AJobThatKeepsLosingItsWorkerEndsDead) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 2).ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(db_->ClaimJob("w", 5)->has_value());
    clock_.Advance(6);
  }
  EXPECT_FALSE(db_->ClaimJob("w", 5)->has_value());
  EXPECT_EQ((*db_->GetRecording(alice_.id, r.id))->status, RecordingStatus::kFailed);
  EXPECT_EQ(db_->GetQueueStats()->dead, 1);
}

TEST_P(DatabaseTest, ReleaseAllLeasesRequeues) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  ASSERT_TRUE(db_->ClaimJob("gone", 300)->has_value());
  EXPECT_EQ(*db_->ReleaseAllLeases(), 1);
  EXPECT_EQ((*db_->GetRecording(alice_.id, r.id))->status, RecordingStatus::kQueued);
  EXPECT_TRUE(db_->ClaimJob("new", 30)->has_value());
}

TEST_P(DatabaseTest, QueueStatsReportDepthAndAge) {
  ASSERT_TRUE(db_->InsertRecording(NewRecording(alice_), "transcribe", 3).ok());
  clock_.Advance(42);
  ASSERT_TRUE(db_->InsertRecording(NewRecording(bob_), "transcribe", 3).ok());
  auto stats = db_->GetQueueStats();
  EXPECT_EQ(stats->queued, 2);
  EXPECT_NEAR(stats->oldest_queued_age_s, 42, 0.01);
  EXPECT_TRUE(db_->CheckWritable().ok());
}

TEST_P(DatabaseTest, SearchRanksIndexTokenMatchesWithinTheTenant) {
  Recording a1 = NewRecording(alice_), a2 = NewRecording(alice_, 10), b1 = NewRecording(bob_);
  for (auto* r : {&a1, &a2, &b1}) ASSERT_TRUE(db_->InsertRecording(*r, "transcribe", 3).ok());
  const char* texts[] = {"the scenery is delightful today", "scenery scenery everywhere you look at scenery",
                         "bob also mentions scenery"};
  Recording* recs[] = {&a1, &a2, &b1};
  for (int i = 0; i < 3; ++i) {
    auto job = db_->ClaimJob("w", 30);
    ASSERT_TRUE(job->has_value());
    Recording* r = recs[0]->id == (*job)->recording_id ? recs[0] : recs[1]->id == (*job)->recording_id ? recs[1] : recs[2];
    int index = r == recs[0] ? 0 : r == recs[1] ? 1 : 2;
    ASSERT_TRUE(db_->CompleteTranscription(**job, TranscriptOf(*r, texts[index])).ok());
  }
  auto hits = db_->Search(alice_.id, {"scenery"}, {}, 10, "");
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->items.size(), 2u);
  EXPECT_EQ(hits->items[0].recording_id, a2.id) << "more occurrences rank first";
  EXPECT_EQ(hits->items[1].segment.text, texts[0]);
  EXPECT_EQ(hits->items[1].segment.index_terms, texts[0]);
  auto both = db_->Search(alice_.id, {"scenery", "delightful"}, {}, 10, "");
  ASSERT_EQ(both->items.size(), 1u);
  EXPECT_EQ(both->items[0].recording_id, a1.id);
  // FTS syntax in a term is treated as text, not as a query operator.
  EXPECT_TRUE(db_->Search(alice_.id, {"scenery\" OR \"bob"}, {}, 10, "").ok());
  EXPECT_FALSE(db_->Search(alice_.id, {}, {}, 10, "").ok());
  auto paged = db_->Search(alice_.id, {"scenery"}, {}, 1, "");
  ASSERT_TRUE(paged->next_cursor.has_value());
  auto rest = db_->Search(alice_.id, {"scenery"}, {}, 1, *paged->next_cursor);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].recording_id, a1.id);
}

// Search windows (storage/search_windows.h) on the backend: every match is listed once however
// deep the paging, the newest window first; a time range bounds them; a listing under way is not
// shifted by segments stored after it began.
class SearchWindowsTest : public DatabaseTest {
 protected:
  // One recording of `tenant` captured at `offset_s` whose segments, 1 s apart, say `texts`.
  Recording Store(const Tenant& tenant, double offset_s, const std::vector<std::string>& texts) {
    Recording r = NewRecording(tenant, offset_s);
    EXPECT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
    auto job = db_->ClaimJob("w", 30);
    EXPECT_TRUE(job.ok() && job->has_value());
    Transcription t = TranscriptOf(r, "unused");
    Segment pattern = t.segments[0];
    t.segments.clear();
    for (size_t i = 0; i < texts.size(); ++i) {
      Segment seg = pattern;
      seg.seq = static_cast<int>(i);
      seg.start_s = static_cast<double>(i);
      seg.end_s = seg.start_s + 0.8;
      seg.captured_at = AddSeconds(r.captured_at, seg.start_s);
      seg.text = seg.index_terms = texts[i];
      t.segments.push_back(seg);
    }
    Status done = db_->CompleteTranscription(**job, t);
    EXPECT_TRUE(done.ok()) << done.ToString();
    return r;
  }

  // Every page of a search, `limit` at a time; `between` runs after the first page.
  std::vector<std::pair<std::string, int>> ReadAll(const Tenant& tenant, const std::string& word, const TimeRange& range,
                                                   int limit, const std::function<void()>& between = {}) {
    std::vector<std::pair<std::string, int>> listed;
    std::function<void()> once = between;
    std::string cursor;
    do {
      auto page = db_->Search(tenant.id, {word}, range, limit, cursor);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const auto& hit : page->items) listed.emplace_back(hit.recording_id, hit.segment.seq);
      cursor = page->next_cursor.value_or("");
      if (once) std::exchange(once, {})();
    } while (!cursor.empty());
    return listed;
  }
};

TEST_P(SearchWindowsTest, DeepPagingListsEveryMatchOnceNewestWindowFirstAndRangesBoundIt) {
  std::vector<std::string> texts;
  for (int i = 0; i < 1100; ++i) texts.push_back(i % 3 == 0 ? "budget budget review" : "budget review today");
  Recording r = Store(alice_, 0, texts);
  Store(bob_, 0, std::vector<std::string>(50, "budget review today"));
  auto listed = ReadAll(alice_, "budget", {}, 100);
  ASSERT_EQ(listed.size(), 1100u);
  std::set<std::pair<std::string, int>> distinct(listed.begin(), listed.end());
  EXPECT_EQ(distinct.size(), 1100u);
  for (size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(listed[i].first, r.id) << "never bob's";
    EXPECT_EQ(listed[i].second >= 100, i < 1000) << "the newest 1000 matches come first: " << i;
  }
  auto first = db_->Search(alice_.id, {"budget"}, {}, 10, "");
  ASSERT_TRUE(first.ok());
  for (const auto& hit : first->items) EXPECT_EQ(hit.segment.seq % 3, 0) << "within a window, the better match first";
  TimeRange range{AddSeconds(r.captured_at, 200.5), AddSeconds(r.captured_at, 300.5)};
  auto ranged = ReadAll(alice_, "budget", range, 30);
  ASSERT_EQ(ranged.size(), 100u);
  for (const auto& [recording, seq] : ranged) EXPECT_TRUE(seq >= 201 && seq <= 300) << seq;
}

TEST_P(SearchWindowsTest, AListingUnderWayIsNotShiftedBySegmentsStoredAfterItBegan) {
  std::vector<std::string> texts;
  for (int i = 0; i < 45; ++i) texts.push_back(i % 4 == 0 ? "garden garden plans" : "garden plans today");
  Store(alice_, 0, texts);
  auto before = ReadAll(alice_, "garden", {}, 10);
  ASSERT_EQ(before.size(), 45u);
  auto during = ReadAll(alice_, "garden", {}, 10, [&] {
    Store(alice_, 3600, std::vector<std::string>(30, "garden garden plans"));  // newer and better
  });
  EXPECT_EQ(during, before);
  EXPECT_EQ(ReadAll(alice_, "garden", {}, 10).size(), 75u) << "a new search sees them";
}

// A search of two words finds exactly the segments holding both. On PostgreSQL it reads the
// postings of one word and looks up the other only in the segments whose signature may hold it
// (migrations/postgres/0019): 310 postings each, 10 segments with both — about 10 lookups, not
// 310. Lookups are counted as scans of the token table and its indexes in the search's transaction.
TEST_P(SearchWindowsTest, ASearchOfTwoWordsLooksUpOnlySegmentsThatMayHoldBoth) {
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) {
    std::string filler = std::string("fill") + static_cast<char>('a' + i % 26) + static_cast<char>('a' + i / 26);
    texts.push_back("walnut " + filler);
    texts.push_back("pecan " + filler);
  }
  for (int i = 0; i < 10; ++i) texts.push_back("walnut and pecan");
  Store(alice_, 0, texts);
  auto both = db_->Search(alice_.id, {"walnut", "pecan"}, {}, 50, "");
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->items.size(), 10u);
  for (const auto& hit : both->items) EXPECT_EQ(hit.segment.text, "walnut and pecan");
  if (GetParam() != "postgres") return;  // SQLite's FTS5 intersects its posting lists itself

  int64_t lookups = -1;
  Status read = dynamic_cast<PostgresDatabase&>(*db_).Transact(alice_.id, [&](pqxx::dbtransaction& tx) {
    auto scans = [&] {
      return tx.exec1("SELECT sum(pg_stat_get_xact_numscans(r::regclass)) FROM unnest(ARRAY['segment_terms', "
                      "'segment_terms_pkey', 'segment_terms_by_segment']) r")[0].as<int64_t>();
    };
    int64_t before = scans();
    EXPECT_EQ(tx.exec_params("SELECT * FROM search_window('walnut pecan', $1, $2, 1000)",
                             std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()).size(), 10u);
    lookups = scans() - before;
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_GE(lookups, 10) << "each match is looked up";
  EXPECT_LT(lookups, 40) << "segments with one of the words are skipped before any lookup";
}

INSTANTIATE_TEST_SUITE_P(Backends, SearchWindowsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// Segments stored before search keys existed: the upgrade gives each its key (the capture
// millisecond and a slot, two segments of one millisecond told apart) and search finds them by
// word and by time range.
std::vector<Migration> MigrationsBefore(std::vector<Migration> all, int version) {
  all.erase(std::remove_if(all.begin(), all.end(), [&](const Migration& m) { return m.version >= version; }), all.end());
  return all;
}

Transcription ThreeSegmentsOf(const Recording& r) {
  Transcription t;
  t.engine = "test";
  for (int i = 0; i < 3; ++i) {
    Segment seg;
    seg.seq = i;
    seg.start_s = i == 2 ? 0.0004 : i;  // the third shares the first one's millisecond
    seg.end_s = seg.start_s + 0.5;
    seg.captured_at = AddSeconds(r.captured_at, seg.start_s);
    seg.text = seg.index_terms = i == 1 ? "lunch plans" : "budget review";
    seg.engine = "test";
    t.segments.push_back(seg);
  }
  return t;
}

void ExpectFoundByWordAndRange(Database& db, const std::string& tenant_id, const Recording& r) {
  auto all = db.Search(tenant_id, {"budget"}, {}, 10, "");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->items.size(), 2u);
  auto lunch = db.Search(tenant_id, {"lunch"}, {AddSeconds(r.captured_at, 0.5), AddSeconds(r.captured_at, 1.5)}, 10, "");
  ASSERT_TRUE(lunch.ok());
  ASSERT_EQ(lunch->items.size(), 1u);
  EXPECT_EQ(lunch->items[0].segment.seq, 1);
  EXPECT_TRUE(db.Search(tenant_id, {"budget"}, {AddSeconds(r.captured_at, 0.001), AddSeconds(r.captured_at, 5)}, 10, "")
                  ->items.empty());
}

TEST(SearchKeysUpgrade, SqliteRenumbersSegmentsStoredBefore) {
  TempDir dir;
  FakeClock clock;
  Recording r;
  std::string tenant_id;
  {
    auto old = SqliteDatabase::Open(dir / "db.sqlite", MigrationsBefore(EmbeddedSqliteMigrations(), 14), clock);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    tenant_id = (*old)->EnsureTenant("alice")->id;
    r = {.tenant_id = tenant_id, .id = NewId(), .content_type = "audio/flac", .body_sha256 = "00"};
    r.captured_at = r.received_at = clock.Now();
    r.source_path = "incoming/" + r.id;
    ASSERT_TRUE((*old)->InsertRecording(r, "transcribe", 3).ok());
    auto job = (*old)->ClaimJob("w", 30);
    ASSERT_TRUE(job.ok() && job->has_value());
    ASSERT_TRUE((*old)->CompleteTranscription(**job, ThreeSegmentsOf(r)).ok());
  }
  {  // as the code before stored them: rowids 1, 2, 3
    auto raw = SqliteConnection::Open(dir / "db.sqlite");
    ASSERT_TRUE((*raw)->Execute("UPDATE segments SET rowid = (SELECT count(*) FROM segments o WHERE o.rowid <= segments.rowid); "
                                "INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')").ok());
  }
  auto db = SqliteDatabase::Open(dir / "db.sqlite", EmbeddedSqliteMigrations(), clock);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto raw = SqliteConnection::Open(dir / "db.sqlite");
  auto keys = (*raw)->Prepare("SELECT rowid FROM segments ORDER BY seq");
  std::vector<int64_t> got;
  while (*keys->Step()) got.push_back(keys->ColumnInt(0));
  int64_t base = CaptureKeyBase(r.captured_at);
  EXPECT_EQ(got, (std::vector<int64_t>{base, CaptureKeyBase(AddSeconds(r.captured_at, 1)), base + 1}));
  ExpectFoundByWordAndRange(**db, tenant_id, r);
}

TEST(SearchKeysUpgrade, PostgresKeysAndIndexesSegmentsStoredBefore) {
  auto pg = ScratchPostgresDatabase::Create(testing::PostgresTestDatabase::AdminUrl(), "reflexio_t_",
                                            MigrationsBefore(EmbeddedPostgresMigrations(), 18));
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  FakeClock clock;
  auto old = PostgresDatabase::Open(pg->app_url(), 1, MigrationsBefore(EmbeddedPostgresMigrations(), 18), clock);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  std::string tenant_id = (*old)->EnsureTenant("alice")->id;
  Recording r{.tenant_id = tenant_id, .id = NewId(), .content_type = "audio/flac", .body_sha256 = "00"};
  r.captured_at = r.received_at = clock.Now();
  r.source_path = "incoming/" + r.id;
  ASSERT_TRUE((*old)->InsertRecording(r, "transcribe", 3).ok());
  {  // as the code before stored them
    pqxx::connection owner(pg->owner_url());
    pqxx::work tx(owner);
    for (const Segment& seg : ThreeSegmentsOf(r).segments) {
      tx.exec_params("INSERT INTO segments (tenant_id, recording_id, seq, start_s, end_s, captured_at, text, words_json, "
                     "engine, language, index_terms) VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, '[]', 'test', '', $7)",
                     tenant_id, r.id, seg.seq, seg.start_s, seg.end_s, ToUnixSeconds(seg.captured_at), seg.text);
    }
    tx.commit();
  }
  old->reset();
  PostgresMigrationTarget target(pg->owner_url());
  ASSERT_TRUE(ApplyMigrations(target, EmbeddedPostgresMigrations()).ok());
  auto db = PostgresDatabase::Open(pg->app_url(), 1, EmbeddedPostgresMigrations(), clock);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  pqxx::connection owner(pg->owner_url());
  pqxx::work tx(owner);
  auto keys = tx.exec("SELECT search_key FROM segments ORDER BY seq");
  int64_t base = CaptureKeyBase(r.captured_at);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0][0].as<int64_t>(), base);
  EXPECT_EQ(keys[1][0].as<int64_t>(), CaptureKeyBase(AddSeconds(r.captured_at, 1)));
  EXPECT_EQ(keys[2][0].as<int64_t>(), base + 1);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM segment_terms")[0].as<int>(), 6) << "two tokens a segment";
  ExpectFoundByWordAndRange(**db, tenant_id, r);
}

TEST_P(DatabaseTest, TenantKeysAreAddedOnceAndRewrappedOnlyFromTheExpectedMaster) {
  EXPECT_FALSE(db_->GetTenantKey(alice_.id)->has_value());
  auto first = db_->AddTenantKey({alice_.id, "m1", std::string("\x00wrapped\xff", 9)});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->wrapped, std::string("\x00wrapped\xff", 9));
  auto racing = db_->AddTenantKey({alice_.id, "m1", "another"});
  ASSERT_TRUE(racing.ok());
  EXPECT_EQ(racing->wrapped, first->wrapped) << "the key stored first wins";
  EXPECT_FALSE(db_->GetTenantKey(bob_.id)->has_value());

  EXPECT_EQ(db_->ReplaceTenantKey({alice_.id, "m2", "rewrapped"}, "m0").code(), ErrorCode::kConflict);
  ASSERT_TRUE(db_->ReplaceTenantKey({alice_.id, "m2", "rewrapped"}, "m1").ok());
  auto now = db_->GetTenantKey(alice_.id);
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->master_key_id, "m2");
  EXPECT_EQ((*now)->wrapped, "rewrapped");
  auto tenants = db_->ListTenants();
  ASSERT_TRUE(tenants.ok());
  EXPECT_EQ(tenants->size(), 2u);
}

TEST_P(DatabaseTest, SettingsAndTheAuditLogBelongToTheirTenant) {
  EXPECT_FALSE(db_->GetTenantSettings(alice_.id)->audio_retention_hours.has_value()) << "defaults until set";
  TenantSettings settings;
  settings.audio_retention_hours = 0;
  settings.transcript_retention_days = 30;
  settings.opt_out_training = true;
  settings.pii_mode = "strict";
  ASSERT_TRUE(db_->PutTenantSettings(alice_.id, settings).ok());
  auto stored = db_->GetTenantSettings(alice_.id);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->audio_retention_hours, 0);
  EXPECT_EQ(stored->transcript_retention_days, 30);
  EXPECT_FALSE(stored->digest_retention_days.has_value());
  EXPECT_TRUE(stored->opt_out_training);
  EXPECT_EQ(stored->pii_mode, "strict");
  settings.pii_mode.reset();
  ASSERT_TRUE(db_->PutTenantSettings(alice_.id, settings).ok());
  EXPECT_FALSE(db_->GetTenantSettings(alice_.id)->pii_mode.has_value());
  EXPECT_FALSE(db_->GetTenantSettings(bob_.id)->opt_out_training);

  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(db_->AppendAudit({alice_.id, "", {}, "tenant", "export", "{\"n\":" + std::to_string(i) + "}"}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // entries are ordered by their UUIDv7 ids
  }
  auto first = db_->ListAudit(alice_.id, 2, "");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_NE(first->items[0].detail.find("2"), std::string::npos) << "newest first";
  ASSERT_TRUE(first->next_cursor.has_value());
  auto rest = db_->ListAudit(alice_.id, 2, *first->next_cursor);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_NE(rest->items[0].detail.find("0"), std::string::npos);
  EXPECT_TRUE(db_->ListAudit(bob_.id, 10, "")->items.empty());
}

TEST_P(DatabaseTest, SegmentQualityIsStoredWithItsReasons) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  auto job = db_->ClaimJob("w", 30);
  Transcription t = TranscriptOf(r, "thank you thank you thank you thank you");
  t.segments[0].quality = "garbage";
  t.segments[0].quality_reasons = {"repetition_loop", "low_confidence"};
  ASSERT_TRUE(db_->CompleteTranscription(**job, t).ok());
  auto segments = db_->GetSegments(alice_.id, r.id);
  ASSERT_EQ(segments->size(), 1u);
  EXPECT_EQ((*segments)[0].quality, "garbage");
  EXPECT_EQ((*segments)[0].quality_reasons, (std::vector<std::string>{"repetition_loop", "low_confidence"}));
}

TEST_P(DatabaseTest, InsightsBelongToTheirEpisodeAndTenantAndFollowTheTranscript) {
  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  auto job = db_->ClaimJob("w", 30);
  ASSERT_TRUE(db_->CompleteTranscription(**job, TranscriptOf(r, "please call stella")).ok());
  Episode episode{alice_.id, NewId(), r.captured_at, AddSeconds(r.captured_at, 4), EpisodeState::kOpen, 0, {}, {}};
  ASSERT_TRUE(db_->AssignToEpisode(episode, {{r.id, 0, AddSeconds(r.captured_at, 0.5), 3}}).ok());
  ASSERT_TRUE(db_->CloseEpisode(alice_.id, episode.id, clock_.Now()).ok());
  ASSERT_EQ(db_->ListEpisodesToEnrich(alice_.id, 10)->size(), 1u);
  auto segments = db_->GetEpisodeSegments(alice_.id, episode.id);
  ASSERT_EQ(segments->size(), 1u);
  EXPECT_EQ((*segments)[0].recording_id, r.id);
  EXPECT_TRUE(db_->GetEpisodeSegments(bob_.id, episode.id)->empty());

  auto insight = [&](const std::string& scope, const std::string& kind, const std::string& key, double at_offset) {
    Insight i;
    i.tenant_id = alice_.id;
    i.id = NewId();
    i.scope = *ParseInsightScope(scope);
    i.episode_id = scope == "episode" ? episode.id : "";
    i.kind = *ParseInsightKind(kind);
    i.state = kind == "action" ? InsightState::kOpen : InsightState::kNone;
    i.dedup_key = key;
    i.at = AddSeconds(r.captured_at, at_offset);
    if (kind == "action") i.due_date = "2026-11-27";
    i.body = R"({"text":")" + kind + R"("})";
    i.updated_at = clock_.Now();
    return i;
  };
  Insight action = insight("episode", "action", "", 1), summary = insight("episode", "summary", "", 0.5);
  Insight stella = insight("core", "person", "stella", 1);
  ASSERT_TRUE(db_->StoreEnrichment(alice_.id, episode.id, {action, summary, stella}, clock_.Now()).ok());
  EXPECT_TRUE(db_->ListEpisodesToEnrich(alice_.id, 10)->empty());
  EXPECT_TRUE(db_->GetEpisode(alice_.id, episode.id).value()->enriched_at.has_value());

  auto actions = db_->ListInsights(alice_.id, {.kind = InsightKind::kAction}, 10, "");
  ASSERT_EQ(actions->items.size(), 1u);
  EXPECT_EQ(actions->items[0].due_date, "2026-11-27");
  EXPECT_EQ(actions->items[0].body, action.body);
  auto of_episode = db_->ListInsights(alice_.id, {.scope = InsightScope::kEpisode, .episode_id = episode.id}, 1, "");
  ASSERT_EQ(of_episode->items.size(), 1u);  // newest first: the action, then the summary on the next page
  EXPECT_EQ(of_episode->items[0].id, action.id);
  ASSERT_TRUE(of_episode->next_cursor);
  auto next = db_->ListInsights(alice_.id, {.scope = InsightScope::kEpisode, .episode_id = episode.id}, 1, *of_episode->next_cursor);
  ASSERT_EQ(next->items.size(), 1u);
  EXPECT_EQ(next->items[0].id, summary.id);
  EXPECT_TRUE(db_->ListInsights(bob_.id, {}, 10, "")->items.empty());
  EXPECT_FALSE(db_->GetInsight(bob_.id, action.id).value().has_value());
  EXPECT_EQ(db_->DeleteInsight(bob_.id, action.id).code(), ErrorCode::kNotFound);

  // Core memory: one entry per key, found by it; a second entry saying the same is refused.
  auto found = db_->FindInsightByKey(alice_.id, InsightScope::kCore, InsightKind::kPerson, "stella");
  ASSERT_TRUE(found.value().has_value());
  EXPECT_EQ((*found)->id, stella.id);
  EXPECT_EQ(db_->PutInsight(insight("core", "person", "stella", 2)).code(), ErrorCode::kConflict);
  action.state = InsightState::kDone;
  ASSERT_TRUE(db_->PutInsight(action).ok());
  EXPECT_EQ(db_->GetInsight(alice_.id, action.id).value()->state, InsightState::kDone);

  // Enriching again replaces the episode's insights and keeps memory.
  Insight again = insight("episode", "summary", "", 0.5);
  ASSERT_TRUE(db_->StoreEnrichment(alice_.id, episode.id, {again}, clock_.Now()).ok());
  EXPECT_EQ(db_->ListInsights(alice_.id, {.scope = InsightScope::kEpisode}, 10, "")->items.size(), 1u);
  EXPECT_EQ(db_->ListInsights(alice_.id, {.scope = InsightScope::kCore}, 10, "")->items.size(), 1u);

  // The transcript's deletion takes what was concluded from it; memory stays the person's.
  ASSERT_TRUE(db_->DeleteRecording(alice_.id, r.id).ok());
  EXPECT_TRUE(db_->ListInsights(alice_.id, {.scope = InsightScope::kEpisode}, 10, "")->items.empty());
  EXPECT_EQ(db_->ListInsights(alice_.id, {.scope = InsightScope::kCore}, 10, "")->items.size(), 1u);
  ASSERT_TRUE(db_->EraseTenantData(alice_.id).ok());
  EXPECT_TRUE(db_->ListInsights(alice_.id, {}, 10, "")->items.empty());
}

TEST(Cursor, RoundTripsAndRejectsForgeries) {
  auto pos = DecodeKeysetCursor(EncodeKeysetCursor("2026-11-26T22:50:00.000Z", "0190-id"));
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ(pos->first, "2026-11-26T22:50:00.000Z");
  EXPECT_EQ(pos->second, "0190-id");
  auto window = DecodeWindowCursor(EncodeWindowCursor({-1767225600000123, 40}));
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->upper, -1767225600000123);
  EXPECT_EQ(window->offset, 40);
  EXPECT_FALSE(DecodeWindowCursor("6b7c").ok());
  EXPECT_FALSE(DecodeWindowCursor("xyz").ok());
  EXPECT_FALSE(DecodeWindowCursor(EncodeKeysetCursor("1", "2")).ok());
  for (const char* forged : {"w|12", "w|12|-1", "w|12|3x", "w||3"}) {
    std::string hex;
    for (unsigned char c : std::string(forged)) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
    EXPECT_FALSE(DecodeWindowCursor(hex).ok()) << forged;
  }
}

}  // namespace
}  // namespace reflexio

namespace reflexio {
namespace {

TEST_P(DatabaseTest, DigestInputsCountAndDateWhatADayIsMadeOfForItsTenantOnly) {
  TimeRange day{AddSeconds(clock_.Now(), -3600), AddSeconds(clock_.Now(), 3600)};
  const std::string date = "2026-11-26";
  auto nothing = db_->GetDigestInputs(alice_.id, date, day);
  ASSERT_TRUE(nothing.ok()) << nothing.status().ToString();
  EXPECT_EQ(nothing->recordings.rows, 0);
  EXPECT_FALSE(nothing->recordings.last_change.has_value());
  EXPECT_FALSE(nothing->episodes.last_change.has_value());

  Recording r = NewRecording(alice_);
  ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  auto received = db_->GetDigestInputs(alice_.id, date, day);
  EXPECT_EQ(received->recordings.rows, 1);
  ASSERT_TRUE(received->recordings.last_change.has_value());
  clock_.Advance(5);
  auto job = db_->ClaimJob("w", 30);
  ASSERT_TRUE(job.ok() && *job);
  ASSERT_TRUE(db_->CompleteTranscription(**job, TranscriptOf(r, "please call stella")).ok());
  ASSERT_TRUE(db_->InsertRecording(NewRecording(alice_, 7200), "transcribe", 3).ok());  // the next day
  auto transcribed = db_->GetDigestInputs(alice_.id, date, day);
  EXPECT_EQ(transcribed->recordings.rows, 1);
  EXPECT_GT(transcribed->recordings.last_change, received->recordings.last_change) << "transcribed is a change";

  Episode episode{alice_.id, NewId(), r.captured_at, AddSeconds(r.captured_at, 4), EpisodeState::kOpen, 0, {}, {}};
  ASSERT_TRUE(db_->AssignToEpisode(episode, {{r.id, 0, AddSeconds(r.captured_at, 0.5), 3}}).ok());
  ASSERT_TRUE(db_->CloseEpisode(alice_.id, episode.id, clock_.Now()).ok());
  auto insight = [&](const std::string& scope, const std::string& kind) {
    Insight i;
    i.tenant_id = alice_.id;
    i.id = NewId();
    i.scope = *ParseInsightScope(scope);
    i.episode_id = scope == "episode" ? episode.id : "";
    i.kind = *ParseInsightKind(kind);
    i.state = kind == "action" ? InsightState::kOpen : InsightState::kNone;
    i.dedup_key = scope == "core" ? "stella" : "";
    i.at = AddSeconds(r.captured_at, 1);
    if (kind == "action") i.due_date = "2026-11-27";
    i.body = R"({"text":")" + kind + R"("})";
    i.updated_at = clock_.Now();
    return i;
  };
  clock_.Advance(5);
  ASSERT_TRUE(db_->StoreEnrichment(alice_.id, episode.id,
                                   {insight("episode", "action"), insight("episode", "summary"), insight("core", "person")},
                                   clock_.Now()).ok());
  auto understood = db_->GetDigestInputs(alice_.id, date, day);
  ASSERT_TRUE(understood.ok()) << understood.status().ToString();
  EXPECT_EQ(understood->episode_insights.rows, 2);
  EXPECT_EQ(understood->actions.rows, 1);
  EXPECT_EQ(understood->memory.rows, 1);
  EXPECT_EQ(understood->episodes.rows, 1);
  EXPECT_EQ(understood->episodes.total, 1) << "its segments";
  ASSERT_TRUE(understood->episodes.last_change.has_value());
  EXPECT_GE(*understood->episodes.last_change, clock_.Now()) << "enrichment is a change to the episode";
  // A day later memory changed since the day began still counts; actions due on the day too.
  auto later = db_->GetDigestInputs(alice_.id, "2026-11-27", {AddSeconds(clock_.Now(), 60), AddSeconds(clock_.Now(), 3600)});
  EXPECT_EQ(later->actions.rows, 1) << "due on 2026-11-27";
  EXPECT_EQ(later->memory.rows, 0);

  auto bobs = db_->GetDigestInputs(bob_.id, date, day);
  EXPECT_EQ(bobs->recordings.rows, 0);
  EXPECT_EQ(bobs->episode_insights.rows + bobs->actions.rows + bobs->memory.rows + bobs->episodes.rows, 0);
}

TEST_P(DatabaseTest, DailyUsageRollsUpSpeechPerTenantAndDayIdempotently) {
  // Two recordings of Alice's on the clock's day, one of Bob's, one of Alice's the next day.
  std::vector<std::pair<Recording, double>> made = {{NewRecording(alice_, 10), 3.0}, {NewRecording(alice_, 20), 4.5},
                                                    {NewRecording(bob_, 30), 2.0}, {NewRecording(alice_, 86400), 9.0}};
  for (auto& [r, speech] : made) ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
  for (size_t i = 0; i < made.size(); ++i) {
    auto job = db_->ClaimJob("w", 30);
    ASSERT_TRUE(job.ok() && job->has_value());
    double speech = 0;
    for (auto& [r, s] : made) if (r.id == (*job)->recording_id) speech = s;
    Transcription t;
    t.speech_s = speech;
    ASSERT_TRUE(db_->CompleteTranscription(**job, t).ok());
  }
  std::string day = FormatRfc3339(clock_.Now()).substr(0, 10);
  for (int run = 0; run < 2; ++run) {
    auto rolled = db_->RollUpDailyUsage(day);
    ASSERT_TRUE(rolled.ok()) << rolled.status().ToString();
    EXPECT_EQ(*rolled, 2) << "alice and bob";
  }
  auto alice = db_->GetDailyUsage(alice_.id, day);
  ASSERT_TRUE(alice.ok() && alice->has_value());
  EXPECT_DOUBLE_EQ((*alice)->speech_seconds, 7.5);
  EXPECT_EQ((*alice)->uploads, 2);
  EXPECT_DOUBLE_EQ((*db_->GetDailyUsage(bob_.id, day))->speech_seconds, 2.0);
  EXPECT_FALSE(db_->GetDailyUsage(bob_.id, "2000-01-01")->has_value());
}

}  // namespace
}  // namespace reflexio

namespace reflexio {
namespace {

TEST(SegmentWords, RoundTripAndMalformedInputGivesNoWords) {
  std::vector<TranscriptWord> words = {{"scenery", 1.7, 2.19, 0.83}, {"is", 2.19, 2.3, 1.0}};
  auto back = WordsFromJson(WordsToJson(words));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].word, "scenery");
  EXPECT_DOUBLE_EQ(back[0].end_s, 2.19);
  EXPECT_DOUBLE_EQ(back[1].confidence, 1.0);
  EXPECT_TRUE(WordsFromJson("not json").empty());
  EXPECT_TRUE(WordsFromJson(R"([["w", "one", 2, 0.5]])").empty()) << "a wrong type is skipped, not thrown";
  EXPECT_EQ(ParseRecordingStatus(ToString(RecordingStatus::kTranscribed)), RecordingStatus::kTranscribed);
}

}  // namespace
}  // namespace reflexio

namespace reflexio {
namespace {

TEST_P(DatabaseTest, TheDigestOutboxClaimsOnceResumesAndBelongsToItsTenant) {
  DigestDelivery d;
  d.tenant_id = alice_.id;
  d.date = "2026-11-26";
  d.origin = DeliveryOrigin::kSchedule;
  d.state = DeliveryState::kPending;
  d.chat_id = "42";
  d.messages = {"<b>one</b>", "two"};
  d.next_attempt_at = clock_.Now();
  ASSERT_TRUE(*db_->AddDelivery(d, false));
  DigestDelivery changed = d;
  changed.messages = {"other"};
  EXPECT_FALSE(*db_->AddDelivery(changed, false)) << "a day and origin are issued once";
  EXPECT_EQ((*db_->GetDelivery(alice_.id, d.date, DeliveryOrigin::kSchedule))->messages, d.messages);
  EXPECT_FALSE((*db_->GetDelivery(bob_.id, d.date, DeliveryOrigin::kSchedule)).has_value());
  EXPECT_TRUE(db_->ClaimDeliveries(bob_.id, std::nullopt, AddSeconds(clock_.Now(), 60), 10)->empty());

  auto claimed = db_->ClaimDeliveries(alice_.id, std::nullopt, AddSeconds(clock_.Now(), 60), 10);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].messages, d.messages);
  EXPECT_TRUE(db_->ClaimDeliveries(alice_.id, std::nullopt, AddSeconds(clock_.Now(), 60), 10)->empty()) << "leased";
  EXPECT_FALSE(*db_->AddDelivery(changed, true)) << "not replaced under a live lease";

  DigestDelivery progress = (*claimed)[0];
  progress.steps_done = 1;
  progress.message_ids = {"101"};
  progress.attempts = 1;
  progress.last_error = "502";
  progress.next_attempt_at = AddSeconds(clock_.Now(), 30);
  progress.lease_until.reset();
  ASSERT_TRUE(db_->UpdateDelivery(progress).ok());
  EXPECT_TRUE(db_->ClaimDeliveries(alice_.id, std::nullopt, AddSeconds(clock_.Now(), 60), 10)->empty()) << "not due yet";
  EXPECT_EQ(db_->ClaimDeliveries(alice_.id, DeliveryKey{d.date, DeliveryOrigin::kSchedule}, AddSeconds(clock_.Now(), 60), 1)->size(), 1u)
      << "named, it is claimed whether due or not";
  clock_.Advance(61);
  auto resumed = db_->ClaimDeliveries(alice_.id, std::nullopt, AddSeconds(clock_.Now(), 60), 10);
  ASSERT_EQ(resumed->size(), 1u);
  EXPECT_EQ((*resumed)[0].steps_done, 1);
  EXPECT_EQ((*resumed)[0].message_ids, std::vector<std::string>{"101"});
  EXPECT_EQ((*resumed)[0].last_error, "502");

  auto stats = db_->GetDeliveryStats(AddSeconds(clock_.Now(), -3600));
  EXPECT_EQ(stats->pending, 1);
  EXPECT_NEAR(stats->oldest_pending_age_s, 61, 1);
  DigestDelivery failed = (*resumed)[0];
  failed.state = DeliveryState::kFailed;
  failed.lease_until.reset();
  ASSERT_TRUE(db_->UpdateDelivery(failed).ok());
  stats = db_->GetDeliveryStats(AddSeconds(clock_.Now(), -3600));
  EXPECT_EQ(stats->pending, 0);
  EXPECT_EQ(stats->failed, 1);
  EXPECT_EQ(db_->GetDeliveryStats(AddSeconds(clock_.Now(), 1))->failed, 0) << "only failures since the time asked";

  ASSERT_TRUE(*db_->AddDelivery(changed, true)) << "an explicit new delivery starts over";
  auto fresh = *db_->GetDelivery(alice_.id, d.date, DeliveryOrigin::kSchedule);
  EXPECT_EQ(fresh->state, DeliveryState::kPending);
  EXPECT_EQ(fresh->steps_done, 0);
  EXPECT_EQ(fresh->messages, changed.messages);
  DigestDelivery wrong_tenant = failed;
  wrong_tenant.tenant_id = bob_.id;
  EXPECT_FALSE(db_->UpdateDelivery(wrong_tenant).ok());

  ASSERT_TRUE(db_->DeleteDigestsBefore(alice_.id, "2026-11-27").ok());
  EXPECT_TRUE(db_->ListDeliveries(alice_.id, d.date)->empty()) << "retention takes a day's deliveries with it";
  ASSERT_TRUE(*db_->AddDelivery(d, false));
  ASSERT_TRUE(db_->EraseTenantData(alice_.id).ok());
  EXPECT_FALSE((*db_->GetDelivery(alice_.id, d.date, DeliveryOrigin::kSchedule)).has_value());
}

}  // namespace
}  // namespace reflexio
