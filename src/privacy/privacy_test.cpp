// Encryption at rest, end to end over each backend: master keys, tenant keys and their
// rotation, sealed blobs, sealed transcripts and the blind search index.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <atomic>
#include <limits>
#include <map>
#include <set>

#include "core/file_util.h"
#include "core/ids.h"
#include "core/test_support.h"
#include "crypto/blind_index.h"
#include "crypto/digest.h"
#include "audio/decoder.h"
#include "audio/opus_encoder.h"
#include "pipeline/stored_audio.h"
#include "core/local_time.h"
#include "privacy/encrypted_blob_store.h"
#include "privacy/sealed_stores.h"
#include "privacy/keyring.h"
#include "privacy/master_key.h"
#include "privacy/controls.h"
#include "privacy/outbound_guard.h"
#include "privacy/retention.h"
#include "storage/postgres_database.h"
#include "storage/sqlite_database.h"
#include "storage/testing/postgres_fixture.h"
#include "crypto/sealed_text.h"
#include "text/normalize.h"
#include "text/stem.h"

namespace reflexio {
namespace {

using testing::FakeClock;
using testing::TempDir;
using json = nlohmann::json;

Config DevConfig(const TempDir& dir) {
  Config config;
  config.data_dir = dir.path().string();
  return config;
}

TEST(MasterKey, DevelopmentGeneratesAPrivateKeyFileOnceAndReusesIt) {
  TempDir dir;
  auto first = LoadMasterKeys(DevConfig(dir));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->generated);
  ASSERT_TRUE(first->key_file.has_value());
  struct stat info {};
  ASSERT_EQ(::stat(first->key_file->c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto second = LoadMasterKeys(DevConfig(dir));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(second->primary.key, first->primary.key);
  EXPECT_EQ(second->primary.id, first->primary.id);
  EXPECT_EQ(first->primary.key.size(), kKeySize);
  EXPECT_EQ(first->described_source.find(ToHex(first->primary.key)), std::string::npos);
}

TEST(MasterKey, ProductionAndClusterModeRefuseToStartWithoutAnExplicitKey) {
  TempDir dir;
  Config production = DevConfig(dir);
  production.environment = "production";
  auto refused = LoadMasterKeys(production);
  EXPECT_EQ(refused.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("AUDIO_ENCRYPTION_PASSWORD"), std::string::npos);
  Config cluster = DevConfig(dir);
  cluster.database_url = "postgres://somewhere/db";
  EXPECT_EQ(LoadMasterKeys(cluster).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_FALSE(std::filesystem::exists(DefaultKeyFilePath(production))) << "nothing generated when refusing";

  production.encryption_password = "correct horse battery staple";
  production.encryption_salt = "0123456789abcdef";
  auto derived = LoadMasterKeys(production, Argon2Cost::Interactive());
  ASSERT_TRUE(derived.ok()) << derived.status().ToString();
  auto again = LoadMasterKeys(production, Argon2Cost::Interactive());
  EXPECT_EQ(derived->primary.key, again->primary.key);
  production.encryption_salt.clear();
  EXPECT_EQ(LoadMasterKeys(production, Argon2Cost::Interactive()).status().code(), ErrorCode::kInvalidArgument);
}

TEST(MasterKey, KeyFilesMustHoldA256BitHexKey) {
  TempDir dir;
  ASSERT_TRUE(WriteFileDurably(dir / "short.key", "abcd\n").ok());
  EXPECT_EQ(ReadKeyFile(dir / "short.key").status().code(), ErrorCode::kInvalidArgument);
  auto created = CreateKeyFile(dir / "k.key");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(CreateKeyFile(dir / "k.key").status().code(), ErrorCode::kConflict) << "never overwrites a key";
  EXPECT_EQ(ReadKeyFile(dir / "k.key")->key, created->key);
}

// Each backend, wrapped the way the server wraps it.
class EncryptedStorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = OpenBackend("main");
    alice_ = backend_->EnsureTenant("alice").value();
    bob_ = backend_->EnsureTenant("bob").value();
    keyring_ = std::make_unique<Keyring>(PlainStores(*backend_), MasterKeys{MasterKey::From(NewDataKey())});
  }

  std::unique_ptr<Database> OpenBackend(const std::string& name) {
    if (GetParam() == "postgres") {
      pgs_.push_back(std::make_unique<testing::PostgresTestDatabase>());
      auto opened = PostgresDatabase::Open(pgs_.back()->app_url(), 2, EmbeddedPostgresMigrations(), clock_);
      EXPECT_TRUE(opened.ok()) << opened.status().ToString();
      return std::move(opened).value();
    }
    auto opened = SqliteDatabase::Open(dir_ / (name + ".db"), EmbeddedSqliteMigrations(), clock_);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return std::move(opened).value();
  }

  // `SELECT count(*) …` on the main backend's tables as their owner, below every interface: rows
  // the Database roles never show (finished jobs, usage totals) can be counted too.
  int64_t Count(const std::string& sql) {
    if (GetParam() == "postgres") {
      pqxx::connection connection(pgs_.front()->owner_url());
      pqxx::work tx(connection);
      return tx.exec1(sql)[0].as<int64_t>();
    }
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir_ / "main.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  }
  int64_t JobsOf(const std::string& recording_id) {
    return Count("SELECT count(*) FROM jobs WHERE recording_id = '" + recording_id + "'");
  }

  // Stores `texts` as one transcribed recording of `tenant` through `db`, a segment per text.
  // `index_terms`: what a plaintext backend indexes (the wrapper replaces it with tokens).
  static std::string Transcribe(const Stores& db, const Tenant& tenant, const std::vector<std::string>& texts,
                                TimePoint captured_at, const std::string& index_terms = "") {
    Recording r;
    r.tenant_id = tenant.id;
    r.id = NewId();
    r.content_type = "audio/flac";
    r.body_sha256 = "00";
    r.captured_at = r.received_at = captured_at;
    r.source_path = "incoming/" + tenant.id + "/" + r.id;
    EXPECT_TRUE(db.recordings.InsertRecording(r, "transcribe", 3).ok());
    auto job = db.jobs.ClaimJob("w", 30);
    EXPECT_TRUE(job.ok() && job->has_value());
    Transcription t;
    t.engine = "test";
    for (size_t i = 0; i < texts.size(); ++i) {
      Segment s;
      s.seq = static_cast<int>(i);
      s.start_s = 2.0 * i;
      s.end_s = 2.0 * i + 1.5;
      s.captured_at = AddSeconds(captured_at, s.start_s);
      s.text = texts[i];
      double at = s.start_s;
      for (const auto& word : NormalizedWords(texts[i])) {
        s.words.push_back({word, at, at + 0.2, 0.9});
        at += 0.25;
      }
      s.engine = "test";
      s.index_terms = index_terms.empty() ? texts[i] : index_terms;
      s.prosody_json = R"({"arousal":0.5,"pitch_median_hz":180.0})";
      t.segments.push_back(s);
    }
    Status done = db.transcripts.CompleteTranscription(**job, t);
    EXPECT_TRUE(done.ok()) << done.ToString();
    return r.id;
  }

  TempDir dir_;
  FakeClock clock_;
  std::vector<std::unique_ptr<testing::PostgresTestDatabase>> pgs_;
  std::unique_ptr<Database> backend_;
  std::unique_ptr<Keyring> keyring_;
  Tenant alice_, bob_;
};

TEST_P(EncryptedStorageTest, TenantKeysAreStoredWrappedAndSurviveMasterRotation) {
  auto alice_key = keyring_->TenantKey(alice_.id);
  ASSERT_TRUE(alice_key.ok()) << alice_key.status().ToString();
  EXPECT_EQ(alice_key->size(), kKeySize);
  EXPECT_EQ(*keyring_->TenantKey(alice_.id), *alice_key);
  auto bob_key = keyring_->TenantKey(bob_.id);
  EXPECT_NE(*bob_key, *alice_key);
  auto stored = backend_->GetTenantKey(alice_.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->wrapped.find(*alice_key), std::string::npos) << "never stored in the clear";

  MasterKey old_master = keyring_->primary();
  MasterKey new_master = MasterKey::From(NewDataKey());
  Keyring rotating(PlainStores(*backend_), MasterKeys{new_master, {old_master}});
  auto report = rotating.RewrapAll();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rewrapped, 2);
  EXPECT_EQ(rotating.RewrapAll()->already_current, 2) << "running it again finds nothing to do";

  Keyring after(PlainStores(*backend_), MasterKeys{new_master});
  EXPECT_EQ(*after.TenantKey(alice_.id), *alice_key) << "the data key itself never changes";
  Keyring stale(PlainStores(*backend_), MasterKeys{old_master});
  auto refused = stale.TenantKey(alice_.id);
  EXPECT_EQ(refused.status().reason(), "tenant_key_unavailable") << "the old master no longer unwraps it";
}

TEST_P(EncryptedStorageTest, TranscriptsAreSealedAndSearchWorksThroughTheBlindIndex) {
  SealedStores db_sealing(*backend_, *keyring_);
  const Stores& db = db_sealing.stores();
  std::string first = Transcribe(db, alice_, {"We recorded the quarterly meetings", "Nothing else was said"},
                                 clock_.Now());
  std::string second = Transcribe(db, alice_, {"The meeting about the garden"}, AddSeconds(clock_.Now(), 60));
  Transcribe(db, bob_, {"Bob also had a meeting"}, clock_.Now());

  // What the backend holds: no word of what was said, in the text or in the index.
  auto raw = backend_->GetSegments(alice_.id, first);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), 2u);
  for (const Segment& s : *raw) {
    for (const char* word : {"recorded", "quarterly", "meetings", "meet", "Nothing"}) {
      EXPECT_EQ(s.text.find(word), std::string::npos) << word;
      EXPECT_EQ(s.index_terms.find(word), std::string::npos) << word;
    }
    EXPECT_TRUE(s.words.empty());
    EXPECT_TRUE(s.prosody_json.empty()) << "the backend never sees voice features";
  }

  auto opened = db.transcripts.GetSegments(alice_.id, first);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(json::parse((*opened)[0].prosody_json)["arousal"], 0.5) << "voice features travel sealed with the text";
  EXPECT_EQ((*opened)[0].text, "We recorded the quarterly meetings");
  ASSERT_EQ((*opened)[0].words.size(), 5u);
  EXPECT_EQ((*opened)[0].words[3].word, "quarterly");

  auto hits = db.transcripts.Search(alice_.id, {"meeting"}, {}, 10, "");
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->items.size(), 2u) << "both inflections, only alice's";
  std::set<std::string> found{hits->items[0].recording_id, hits->items[1].recording_id};
  EXPECT_EQ(found, (std::set<std::string>{first, second}));
  for (const auto& hit : hits->items) {
    EXPECT_NE(hit.snippet.find("<mark>meeting"), std::string::npos) << hit.snippet;
  }
  auto both = db.transcripts.Search(alice_.id, {"Quarterly", "recording"}, {}, 10, "");
  ASSERT_EQ(both->items.size(), 1u);
  EXPECT_EQ(both->items[0].segment.text, "We recorded the quarterly meetings");
  EXPECT_TRUE(db.transcripts.Search(alice_.id, {"bob"}, {}, 10, "")->items.empty());

  // The same word gives unrelated tokens in two tenants' indexes.
  auto tokens_of = [&](const Tenant& tenant, const std::string& recording) {
    std::set<std::string> tokens;
    auto segments = backend_->GetSegments(tenant.id, recording);
    for (const Segment& s : *segments) {
      for (const auto& token : NormalizedWords(s.index_terms)) tokens.insert(token);
    }
    return tokens;
  };
  auto page = backend_->ListRecordings(bob_.id, {}, 10, "");
  ASSERT_EQ(page->items.size(), 1u);
  std::set<std::string> alice_tokens = tokens_of(alice_, second), bob_tokens = tokens_of(bob_, page->items[0].id);
  EXPECT_EQ(alice_tokens.size(), 4u);
  for (const auto& token : alice_tokens) EXPECT_EQ(bob_tokens.count(token), 0u) << "both said 'meeting'";
}

// Blind-index tokens are the tenant's own, so a search reaches only the tenant's postings: bob
// saying the same word hundreds of times costs alice's search nothing. Rows are counted below
// the interfaces: on SQLite, the rows the full-text index matches for alice's token; on
// PostgreSQL, the rows the search read (pg_stat_xact_user_tables, in the search's transaction).
TEST_P(EncryptedStorageTest, ATenantsSearchReadsNoOtherTenantsRows) {
  SealedStores sealing(*backend_, *keyring_);
  const Stores& db = sealing.stores();
  Transcribe(db, alice_, {"the meeting ran late", "a short meeting", "meeting again"}, clock_.Now());
  Transcribe(db, bob_, std::vector<std::string>(600, "bob's meeting about meetings"), clock_.Now());
  auto hits = db.transcripts.Search(alice_.id, {"meeting"}, {}, 20, "");
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_EQ(hits->items.size(), 3u);

  if (GetParam() == "sqlite") {
    std::string token = BlindIndex(*keyring_->TenantKey(alice_.id)).Token(StemWord("meeting"));
    EXPECT_EQ(Count("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH '\"" + token + "\"'"), 3);
    EXPECT_EQ(Count("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH '\"" +
                    BlindIndex(*keyring_->TenantKey(bob_.id)).Token(StemWord("meeting")) + "\"'"), 600);
    return;
  }
  // Rows the search of `tenant` for `word` reads; the counters hold what this connection has
  // not yet reported, so the search is the difference.
  auto& pg = dynamic_cast<PostgresDatabase&>(*backend_);
  auto rows_read = [&](const Tenant& tenant, const std::string& word) {
    int64_t read = -1;
    std::string token = BlindIndex(*keyring_->TenantKey(tenant.id)).Token(StemWord(word));
    EXPECT_TRUE(pg.Transact(tenant.id, [&](pqxx::dbtransaction& tx) {
      auto so_far = [&] {
        return tx.exec("SELECT coalesce(sum(seq_tup_read + idx_tup_fetch), 0) FROM pg_stat_xact_user_tables "
                       "WHERE relname IN ('segments', 'segment_terms')")[0][0].as<int64_t>();
      };
      int64_t before = so_far();
      tx.exec_params("SELECT count(*) FROM search_window($1, $2, $3, 1000)", token,
                     std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
      read = so_far() - before;
      return Status::Ok();
    }).ok());
    return read;
  };
  int64_t alice_reads = rows_read(alice_, "meeting");
  EXPECT_GT(alice_reads, 0) << "the counters count what a search reads";
  EXPECT_GE(rows_read(bob_, "meeting"), 600) << "they grow with the rows a search reaches";
  Transcribe(db, bob_, std::vector<std::string>(600, "another meeting of bob's"), AddSeconds(clock_.Now(), 3600));
  EXPECT_EQ(rows_read(alice_, "meeting"), alice_reads) << "bob's meetings cost alice's search nothing";
}

TEST_P(EncryptedStorageTest, GarbageSegmentsAreKeptButNeverFound) {
  SealedStores db_sealing(*backend_, *keyring_);
  const Stores& db = db_sealing.stores();
  Recording r;
  r.tenant_id = alice_.id;
  r.id = NewId();
  r.content_type = "audio/flac";
  r.body_sha256 = "00";
  r.captured_at = r.received_at = clock_.Now();
  r.source_path = "incoming/x";
  ASSERT_TRUE(db.recordings.InsertRecording(r, "transcribe", 3).ok());
  auto job = db.jobs.ClaimJob("w", 30);
  Transcription t;
  Segment kept, garbage;
  kept.text = "subscribe to the newsletter";
  garbage.seq = 1;
  garbage.text = "please subscribe please subscribe please subscribe please subscribe";
  garbage.quality = "garbage";
  garbage.quality_reasons = {"repetition_loop"};
  t.segments = {kept, garbage};
  ASSERT_TRUE(db.transcripts.CompleteTranscription(**job, t).ok());
  auto hits = db.transcripts.Search(alice_.id, {"subscribe"}, {}, 10, "");
  ASSERT_EQ(hits->items.size(), 1u);
  EXPECT_EQ(hits->items[0].segment.seq, 0);
  auto segments = db.transcripts.GetSegments(alice_.id, r.id);
  ASSERT_EQ(segments->size(), 2u) << "the garbage segment is still there, marked";
  EXPECT_EQ((*segments)[1].quality, "garbage");
  EXPECT_EQ((*segments)[1].text, garbage.text);
}

TEST_P(EncryptedStorageTest, ASealedSegmentMovedToAnotherPlaceFailsToOpen) {
  SealedStores db_sealing(*backend_, *keyring_);
  const Stores& db = db_sealing.stores();
  std::string a = Transcribe(db, alice_, {"first secret"}, clock_.Now());
  auto sealed = backend_->GetSegments(alice_.id, a);
  ASSERT_TRUE(sealed.ok());
  // Store alice's sealed text as the segment of another recording, bypassing the wrapper.
  Recording r;
  r.tenant_id = alice_.id;
  r.id = NewId();
  r.content_type = "audio/flac";
  r.body_sha256 = "00";
  r.captured_at = r.received_at = clock_.Now();
  r.source_path = "incoming/x";
  ASSERT_TRUE(backend_->InsertRecording(r, "transcribe", 3).ok());
  auto job = backend_->ClaimJob("w", 30);
  Transcription moved;
  moved.segments = *sealed;
  ASSERT_TRUE(backend_->CompleteTranscription(**job, moved).ok());
  auto opened = db.transcripts.GetSegments(alice_.id, r.id);
  EXPECT_EQ(opened.status().reason(), "blob_integrity");
}

TEST_P(EncryptedStorageTest, BlobsAreSealedPerTenantAndObject) {
  TempDir store_dir;
  auto* raw = new FilesystemBlobStore(store_dir.path(), store_dir.path() / "staging");
  EncryptedBlobStore blobs(std::unique_ptr<BlobStore>(raw), *keyring_);
  std::string audio(200000, 'A');
  std::string key = "audio/" + alice_.id + "/rec.opus";
  ASSERT_TRUE(blobs.Put(key, audio).ok());
  auto stored = raw->Get(key);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->find(std::string(64, 'A')), std::string::npos) << "no plaintext reaches the store";
  EXPECT_EQ(*blobs.Get(key), audio);

  std::string moved = "audio/" + bob_.id + "/rec.opus";
  ASSERT_TRUE(raw->Put(moved, *stored).ok());
  EXPECT_EQ(blobs.Get(moved).status().reason(), "blob_integrity") << "another tenant's key cannot open it";
  ASSERT_TRUE(raw->Put("audio/" + alice_.id + "/other.opus", *stored).ok());
  EXPECT_EQ(blobs.Get("audio/" + alice_.id + "/other.opus").status().reason(), "blob_integrity");
  std::string truncated = stored->substr(0, stored->size() - 100);
  ASSERT_TRUE(raw->Put(key, truncated).ok());
  EXPECT_EQ(blobs.Get(key).status().reason(), "blob_integrity");
  EXPECT_EQ(blobs.Put("tenantless", "x").code(), ErrorCode::kInvalidArgument);

  // A streamed object is sealed as it arrives: what is staged is ciphertext from the first byte.
  std::string upload_key = "incoming/" + alice_.id + "/u.upload";
  auto writer = blobs.Create(upload_key);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::string body(3 * kBlobFrameSize + 1000, 'U');
  for (size_t at = 0; at < body.size(); at += 10000) ASSERT_TRUE((*writer)->Append(body.substr(at, 10000)).ok());
  for (const auto& entry : std::filesystem::recursive_directory_iterator(store_dir.path())) {
    if (!entry.is_regular_file()) continue;
    std::string staged = *ReadWholeFile(entry.path());
    EXPECT_EQ(staged.find(std::string(64, 'U')), std::string::npos) << "plaintext staged in " << entry.path();
  }
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*blobs.Get(upload_key), body);
  auto reader = blobs.Open(upload_key);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->size(), body.size());
  EXPECT_EQ(raw->Get(upload_key)->find(std::string(64, 'U')), std::string::npos);
  EXPECT_EQ(blobs.Create("tenantless").status().code(), ErrorCode::kInvalidArgument);
}

// The blind index must find exactly what a plaintext index of the same stems finds, in the same
// order and with the same text: every word of the dev speech set's reference transcripts
// (English and Russian) is run as a query against both.
// A plaintext backend tokenizer splits "i'll" at the apostrophe; a blind token keeps the word
// whole. Spelling the apostrophe as a letter makes the plaintext index see words the same way.
std::string PlainToken(std::string stem) {
  std::replace(stem.begin(), stem.end(), '\'', 'q');
  return stem;
}

TEST_P(EncryptedStorageTest, BlindIndexFindsWhatAPlaintextStemIndexFindsOnTheDevSpeechSet) {
  std::unique_ptr<Database> plaintext = OpenBackend("plaintext");
  Tenant plain_tenant = plaintext->EnsureTenant("alice").value();
  SealedStores sealed_sealing(*backend_, *keyring_);
  const Stores& sealed = sealed_sealing.stores();
  std::set<std::string> vocabulary;
  std::map<std::string, std::string> sealed_to_plain;  // recording ids
  int offset = 0;
  for (const char* language : {"en", "ru"}) {
    for (const auto& [file, reference] : testing::References(language)) {
      TimePoint at = AddSeconds(clock_.Now(), 60.0 * ++offset);
      std::string stems;
      for (const auto& stem : SearchStems(reference)) stems += (stems.empty() ? "" : " ") + PlainToken(stem);
      std::string plain_id = Transcribe(PlainStores(*plaintext), plain_tenant, {reference}, at, stems);
      std::string sealed_id = Transcribe(sealed, alice_, {reference}, at);
      sealed_to_plain[sealed_id] = plain_id;
      for (const auto& word : NormalizedWords(reference)) vocabulary.insert(word);
    }
  }
  ASSERT_GT(sealed_to_plain.size(), 20u) << "the dev speech set is missing";
  int hits_compared = 0;
  for (const auto& word : vocabulary) {
    auto plain_hits = plaintext->Search(plain_tenant.id, {PlainToken(StemWord(word))}, {}, 100, "");
    auto sealed_hits = sealed.transcripts.Search(alice_.id, {word}, {}, 100, "");
    ASSERT_TRUE(plain_hits.ok() && sealed_hits.ok()) << word;
    ASSERT_EQ(sealed_hits->items.size(), plain_hits->items.size()) << word;
    for (size_t i = 0; i < plain_hits->items.size(); ++i) {
      EXPECT_EQ(sealed_to_plain[sealed_hits->items[i].recording_id], plain_hits->items[i].recording_id) << word;
      EXPECT_EQ(sealed_hits->items[i].segment.text, plain_hits->items[i].segment.text) << word;
      EXPECT_NE(sealed_hits->items[i].snippet.find("<mark>"), std::string::npos) << word;
      ++hits_compared;
    }
  }
  EXPECT_GT(vocabulary.size(), 200u);
  EXPECT_GT(hits_compared, static_cast<int>(vocabulary.size()));
}

// A recording captured `age_s` ago with a sealed transcript and sealed audio in `blobs`.
std::string StoredRecording(const Stores& db, BlobStore& blobs, const Tenant& tenant, const Clock& clock,
                            double age_s, const std::string& text) {
  Recording r;
  r.tenant_id = tenant.id;
  r.id = NewId();
  r.content_type = "audio/flac";
  r.body_sha256 = "00";
  r.captured_at = AddSeconds(clock.Now(), -age_s);
  r.received_at = clock.Now();
  r.source_path = "incoming/" + tenant.id + "/" + r.id + ".upload";
  EXPECT_TRUE(db.recordings.InsertRecording(r, "transcribe", 3).ok());
  auto job = db.jobs.ClaimJob("w", 30);
  Transcription t;
  t.audio_path = "audio/" + tenant.id + "/" + r.id + ".opus";
  EXPECT_TRUE(blobs.Put(t.audio_path, "opus bytes of " + r.id).ok());
  Segment s;
  s.text = text;
  s.captured_at = r.captured_at;
  t.segments.push_back(s);
  EXPECT_TRUE(db.transcripts.CompleteTranscription(**job, t).ok());
  return r.id;
}

TEST_P(EncryptedStorageTest, RetentionDeletesExactlyWhatThePoliciesSayWithCascades) {
  SealedStores db_sealing(*backend_, *keyring_);
  const Stores& db = db_sealing.stores();
  TempDir store_dir;
  FilesystemBlobStore* raw = new FilesystemBlobStore(store_dir.path(), store_dir.path() / "staging");
  EncryptedBlobStore blobs(std::unique_ptr<BlobStore>(raw), *keyring_);
  const double hour = 3600, day = 86400;
  // alice keeps the defaults (audio 24 h, transcripts 90 d); bob keeps audio 2 h, transcripts 10 d.
  std::string alice_fresh = StoredRecording(db, blobs, alice_, clock_, 2 * hour, "fresh walnut");
  std::string alice_day_old = StoredRecording(db, blobs, alice_, clock_, 30 * hour, "older walnut");
  std::string alice_ancient = StoredRecording(db, blobs, alice_, clock_, 91 * day, "ancient walnut");
  TenantSettings bob_settings;
  bob_settings.audio_retention_hours = 2;
  bob_settings.transcript_retention_days = 10;
  ASSERT_TRUE(db.privacy.PutTenantSettings(bob_.id, bob_settings).ok());
  std::string bob_recent = StoredRecording(db, blobs, bob_, clock_, 1 * hour, "bob walnut");
  std::string bob_hours_old = StoredRecording(db, blobs, bob_, clock_, 3 * hour, "bob older walnut");
  std::string bob_old = StoredRecording(db, blobs, bob_, clock_, 11 * day, "bob old walnut");
  Recording queued;  // not finished: never touched, however old
  queued.tenant_id = alice_.id;
  queued.id = NewId();
  queued.content_type = "audio/flac";
  queued.body_sha256 = "00";
  queued.captured_at = AddSeconds(clock_.Now(), -200 * day);
  queued.received_at = clock_.Now();
  queued.source_path = "incoming/" + alice_.id + "/" + queued.id + ".upload";
  ASSERT_TRUE(db.recordings.InsertRecording(queued, "transcribe", 3).ok());
  // Digests: alice's of 400 days ago is past her 365 days; last month's stays.
  std::string today = FormatRfc3339(clock_.Now()).substr(0, 10);
  std::string ancient_day = AddDays(today, -400), recent_day = AddDays(today, -30);
  for (const std::string& date : {ancient_day, recent_day}) {
    ASSERT_TRUE(db.digests.StoreDigest({alice_.id, date, DigestStatus::kReady, "h", "{}", "md", "pdf", "", {}}).ok());
  }

  for (const std::string& id : {alice_ancient, bob_old, alice_fresh}) ASSERT_EQ(JobsOf(id), 1) << id;
  Metrics metrics;
  RetentionSweeper sweeper(db, blobs, RetentionPolicy{}, &metrics, clock_);
  auto planned = sweeper.Run(/*dry_run=*/true);
  ASSERT_TRUE(planned.ok()) << planned.status().ToString();
  std::set<std::pair<std::string, std::string>> expected = {
      {alice_ancient, "recording"}, {alice_day_old, "audio"}, {bob_old, "recording"}, {bob_hours_old, "audio"}};
  std::set<std::pair<std::string, std::string>> listed;
  for (const auto& a : planned->actions) listed.insert({a.what == "digest" ? a.digest_date : a.recording_id, a.what});
  expected.insert({ancient_day, "digest"});
  EXPECT_EQ(listed, expected);
  EXPECT_TRUE(db.digests.GetDigest(alice_.id, ancient_day)->has_value()) << "a dry run deletes nothing";
  EXPECT_TRUE(db.recordings.GetRecording(alice_.id, alice_ancient)->has_value()) << "a dry run deletes nothing";
  EXPECT_TRUE(blobs.Get("audio/" + alice_.id + "/" + alice_day_old + ".opus").ok());

  auto done = sweeper.Run(/*dry_run=*/false);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->recordings_deleted, 2);
  EXPECT_EQ(done->audio_deleted, 2);
  EXPECT_EQ(done->digests_deleted, 1);
  EXPECT_FALSE(db.digests.GetDigest(alice_.id, ancient_day)->has_value());
  EXPECT_TRUE(db.digests.GetDigest(alice_.id, recent_day)->has_value());
  // Whole recordings: rows, segments, index entries and stored audio gone.
  for (auto [tenant, id] : {std::pair{alice_, alice_ancient}, std::pair{bob_, bob_old}}) {
    EXPECT_FALSE(db.recordings.GetRecording(tenant.id, id)->has_value());
    EXPECT_TRUE(backend_->GetSegments(tenant.id, id)->empty());
    EXPECT_FALSE(raw->Get("audio/" + tenant.id + "/" + id + ".opus").ok());
  }
  EXPECT_TRUE(db.transcripts.Search(alice_.id, {"ancient"}, {}, 10, "")->items.empty()) << "no index entry left behind";
  EXPECT_EQ(JobsOf(alice_ancient) + JobsOf(bob_old), 0) << "their jobs went with them";
  EXPECT_EQ(JobsOf(alice_fresh), 1) << "a kept recording keeps its job";
  EXPECT_EQ(db.transcripts.Search(bob_.id, {"walnut"}, {}, 10, "")->items.size(), 2u) << "bob's two kept transcripts";
  // Audio only: the transcript stays.
  for (auto [tenant, id] : {std::pair{alice_, alice_day_old}, std::pair{bob_, bob_hours_old}}) {
    auto r = db.recordings.GetRecording(tenant.id, id);
    ASSERT_TRUE(r->has_value());
    EXPECT_TRUE((*r)->audio_path.empty());
    EXPECT_EQ(db.transcripts.GetSegments(tenant.id, id)->size(), 1u);
    EXPECT_FALSE(raw->Get("audio/" + tenant.id + "/" + id + ".opus").ok());
  }
  // Everything else is untouched.
  for (auto [tenant, id] : {std::pair{alice_, alice_fresh}, std::pair{bob_, bob_recent}}) {
    EXPECT_TRUE(blobs.Get("audio/" + tenant.id + "/" + id + ".opus").ok());
  }
  EXPECT_TRUE(db.recordings.GetRecording(alice_.id, queued.id)->has_value());
  EXPECT_EQ(sweeper.Run(false)->actions.size(), 0u) << "a second run finds nothing";
  std::string exposition = metrics.Serialize();
  EXPECT_NE(exposition.find("reflexio_retention_deleted_total{kind=\"recording\"} 2"), std::string::npos) << exposition;
  EXPECT_NE(exposition.find("reflexio_retention_deleted_total{kind=\"audio\"} 2"), std::string::npos);
  auto audit = db.privacy.ListAudit(bob_.id, 10, "");
  ASSERT_EQ(audit->items.size(), 1u);
  EXPECT_EQ(audit->items[0].action, "retention");
  EXPECT_EQ(audit->items[0].actor, "system");

  clock_.Advance(22 * hour + 1);  // alice's fresh audio is now past 24 h, bob's recent one past his 2 h
  auto later = sweeper.Run(false);
  std::set<std::string> later_ids;
  for (const auto& a : later->actions) later_ids.insert(a.recording_id);
  EXPECT_EQ(later_ids, (std::set<std::string>{alice_fresh, bob_recent}));
}

TEST_P(EncryptedStorageTest, EraseDeletesEveryRowAndShredsTheKeySoBackupsCannotBeRead) {
  SealedStores db_sealing(*backend_, *keyring_);
  const Stores& db = db_sealing.stores();
  TempDir store_dir;
  FilesystemBlobStore* raw = new FilesystemBlobStore(store_dir.path(), store_dir.path() / "staging");
  EncryptedBlobStore blobs(std::unique_ptr<BlobStore>(raw), *keyring_);
  std::string id = StoredRecording(db, blobs, alice_, clock_, 60, "my secret garden");
  std::string bobs = StoredRecording(db, blobs, bob_, clock_, 60, "bob's garden");
  std::string audio_key = "audio/" + alice_.id + "/" + id + ".opus";
  std::string backup_of_audio = *raw->Get(audio_key);
  auto backup_of_segments = backend_->GetSegments(alice_.id, id);
  ASSERT_TRUE(db.privacy.PutTenantSettings(alice_.id, TenantSettings{.opt_out_training = true}).ok());
  Recording waiting;  // still queued when the person erases everything
  waiting.tenant_id = alice_.id;
  waiting.id = NewId();
  waiting.content_type = "audio/flac";
  waiting.body_sha256 = "00";
  waiting.captured_at = waiting.received_at = clock_.Now();
  waiting.source_path = "incoming/" + alice_.id + "/" + waiting.id + ".upload";
  ASSERT_TRUE(db.recordings.InsertRecording(waiting, "transcribe", 3).ok());
  std::string day = FormatRfc3339(AddSeconds(clock_.Now(), -60)).substr(0, 10);
  ASSERT_TRUE(db.usage.RollUpDailyUsage(day).ok());
  ASSERT_TRUE(db.usage.GetDailyUsage(alice_.id, day)->has_value());
  std::string of_alice = " WHERE tenant_id = '" + alice_.id + "'";
  ASSERT_EQ(Count("SELECT count(*) FROM jobs" + of_alice), 2);

  Config config;
  PrivacyControls controls(db, blobs, config);
  auto report = controls.Erase(alice_.id, "tenant");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->recordings_deleted, 2) << "the transcribed one and the one still queued";
  EXPECT_EQ(report->objects_deleted, 2) << "the first's audio, the second's upload";
  EXPECT_FALSE(db.recordings.GetRecording(alice_.id, id)->has_value());
  EXPECT_FALSE(db.keys.GetTenantKey(alice_.id)->has_value()) << "the data key is destroyed";
  EXPECT_FALSE(db.privacy.GetTenantSettings(alice_.id)->opt_out_training);
  EXPECT_FALSE(raw->Get(audio_key).ok()) << "the object is removed";
  EXPECT_EQ(Count("SELECT count(*) FROM jobs" + of_alice), 0) << "finished and queued jobs alike";
  EXPECT_EQ(Count("SELECT count(*) FROM usage_daily" + of_alice), 0) << "the usage totals";
  EXPECT_FALSE(db.usage.GetDailyUsage(alice_.id, day)->has_value());
  EXPECT_TRUE(db.usage.GetDailyUsage(bob_.id, day)->has_value()) << "bob's usage stays";
  EXPECT_EQ(db.jobs.GetQueueStats()->queued, 0);
  // A copy from a backup, put back, can no longer be opened by anyone.
  ASSERT_TRUE(raw->Put(audio_key, backup_of_audio).ok());
  EXPECT_EQ(blobs.Get(audio_key).status().reason(), "blob_integrity");
  auto stale = backup_of_segments->at(0);
  auto key_now = keyring_->TenantKey(alice_.id);
  ASSERT_TRUE(key_now.ok());
  EXPECT_FALSE(OpenText(*key_now, {alice_.id, "segment/" + id + "/0"}, stale.text).ok());
  // The other tenant is untouched; the audit log remains and says what happened.
  EXPECT_EQ(db.transcripts.GetSegments(bob_.id, bobs)->at(0).text, "bob's garden");
  auto audit = db.privacy.ListAudit(alice_.id, 10, "");
  ASSERT_FALSE(audit->items.empty());
  EXPECT_EQ(audit->items[0].action, "erase");
}

// The files the export writes itself (not copies of stored rows) carry the export's own time,
// read from the injected clock: the octal mtime field of each tar header says which.
TEST_P(EncryptedStorageTest, ExportDatesItsOwnFilesByTheInjectedClock) {
  SealedStores db_sealing(*backend_, *keyring_);
  const Stores& db = db_sealing.stores();
  TempDir store_dir;
  EncryptedBlobStore blobs(std::make_unique<FilesystemBlobStore>(store_dir.path(), store_dir.path() / "staging"),
                           *keyring_);
  clock_.Advance(7200);
  Config config;
  PrivacyControls controls(db, blobs, config, keyring_.get(), clock_);
  auto tar = controls.Export(alice_, [](const Recording& r, const std::vector<Segment>&) {
    return nlohmann::json{{"id", r.id}};
  }, "tenant");
  ASSERT_TRUE(tar.ok()) << tar.status().ToString();
  std::map<std::string, long long> mtimes;
  for (size_t at = 0; at + 512 <= tar->size();) {
    std::string name = tar->substr(at, 100).c_str();
    if (name.empty()) break;
    mtimes[name] = std::stoll(tar->substr(at + 136, 12), nullptr, 8);
    size_t size = std::stoull(tar->substr(at + 124, 12), nullptr, 8);
    at += 512 + (size + 511) / 512 * 512;
  }
  ASSERT_TRUE(mtimes.count("audit_log.json")) << "files found: " << mtimes.size();
  EXPECT_EQ(mtimes["audit_log.json"], static_cast<long long>(clock_.seconds()));
  EXPECT_EQ(mtimes["understanding.json"], static_cast<long long>(clock_.seconds()));
}

TEST_P(EncryptedStorageTest, OutboundTextIsAuditedMaskedOrBlockedAndOptOutKeepsItLocal) {
  Config config;  // default mode: mask
  Metrics metrics;
  OutboundGuard guard(*backend_, config, &metrics);
  Destination llm{"llm:test", false}, local{"llm:embedded", true};
  std::string russian = "Перезвони Ивану +7 (916) 123-45-67, почта ivan@mail.ru";
  auto masked = guard.Prepare(alice_.id, russian, llm);
  ASSERT_TRUE(masked.ok()) << masked.status().ToString();
  EXPECT_EQ(*masked, "Перезвони Ивану [PHONE], почта [EMAIL]");
  EXPECT_EQ(*guard.Prepare(alice_.id, "no personal data here", llm), "no personal data here");

  TenantSettings audit;
  audit.pii_mode = "audit";
  ASSERT_TRUE(backend_->PutTenantSettings(alice_.id, audit).ok());
  std::string english = "my card is 4111 1111 1111 1111";
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(*guard.Prepare(alice_.id, english, llm), english) << "audit sends it unchanged";
  std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find("1 PII finding(s) [card_number], mode audit"), std::string::npos) << "the kinds: " << logged;
  // The whole number, not a piece of it: a tenant's random id may hold any four digits.
  EXPECT_EQ(logged.find("4111 1111"), std::string::npos) << "never the values: " << logged;

  TenantSettings strict;
  strict.pii_mode = "strict";
  ASSERT_TRUE(backend_->PutTenantSettings(bob_.id, strict).ok());
  auto blocked = guard.Prepare(bob_.id, english, llm);
  EXPECT_EQ(blocked.status().reason(), "pii_blocked");
  EXPECT_EQ(blocked.status().message().find("4111"), std::string::npos) << "the error never repeats the value";
  EXPECT_TRUE(guard.Prepare(bob_.id, "a clean sentence", llm).ok());

  TenantSettings opted_out;
  opted_out.opt_out_training = true;
  ASSERT_TRUE(backend_->PutTenantSettings(bob_.id, opted_out).ok());
  EXPECT_EQ(guard.Prepare(bob_.id, "a clean sentence", llm).status().reason(), "remote_refused");
  EXPECT_TRUE(guard.Prepare(bob_.id, "a clean sentence", local).ok());

  std::string exposition = metrics.Serialize();
  EXPECT_NE(exposition.find("reflexio_pii_findings_total{kind=\"card_number\",mode=\"strict\"} 1"), std::string::npos)
      << exposition;
  EXPECT_NE(exposition.find("reflexio_pii_findings_total{kind=\"phone\",mode=\"mask\"} 1"), std::string::npos);
}

// Counts what is read from the store underneath the encryption.
class CountingBlobStore : public FilesystemBlobStore {
 public:
  using FilesystemBlobStore::FilesystemBlobStore;
  Result<std::string> Get(const std::string& key) override {
    auto bytes = FilesystemBlobStore::Get(key);
    if (bytes.ok()) read_ += bytes->size();
    return bytes;
  }
  Result<std::unique_ptr<BlobReader>> Open(const std::string& key) override {
    ASSIGN_OR_RETURN(auto inner, FilesystemBlobStore::Open(key));
    return std::unique_ptr<BlobReader>(std::make_unique<Counting>(std::move(inner), read_));
  }
  std::atomic<uint64_t> read_{0};

 private:
  class Counting : public BlobReader {
   public:
    Counting(std::unique_ptr<BlobReader> inner, std::atomic<uint64_t>& read) : inner_(std::move(inner)), read_(read) {}
    uint64_t size() const override { return inner_->size(); }
    Result<std::string> Read(uint64_t offset, size_t length) override {
      auto bytes = inner_->Read(offset, length);
      if (bytes.ok()) read_ += bytes->size();
      return bytes;
    }

   private:
    std::unique_ptr<BlobReader> inner_;
    std::atomic<uint64_t>& read_;
  };
};

// Reading blobs involves the database only for the tenant key, so one backend serves.
TEST(EncryptedBlobStore, AClipIsDecryptedByRangeFromTheFramesAroundIt) {
  TempDir dir;
  auto db = SqliteDatabase::Open(dir / "reflexio.db", EmbeddedSqliteMigrations()).value();
  Tenant alice = db->EnsureTenant("alice").value();
  Keyring keyring(PlainStores(*db), MasterKeys{MasterKey::From(NewDataKey())});
  // Five minutes of a tone whose pitch and loudness change over time, so a misplaced clip shows.
  std::vector<float> samples(300 * kSampleRate);
  double phase = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    double t = double(i) / kSampleRate;
    phase += 2 * M_PI * (220 + 2 * t) / kSampleRate;
    samples[i] = static_cast<float>((0.2 + 0.15 * std::sin(t)) * std::sin(phase));
  }
  auto opus = EncodeOggOpus(samples, 16000);
  ASSERT_TRUE(opus.ok()) << opus.status().ToString();
  TempDir store_dir;
  auto* counting = new CountingBlobStore(store_dir.path(), store_dir.path() / "staging");
  EncryptedBlobStore blobs(std::unique_ptr<BlobStore>(counting), keyring);
  std::string key = "audio/" + alice.id + "/long.opus";
  ASSERT_TRUE(blobs.Put(key, *opus).ok());
  uint64_t sealed_size = (*counting->Open(key))->size();
  EXPECT_EQ((*blobs.Open(key))->size(), opus->size());

  counting->read_ = 0;
  const DecodeOptions clip_options{.start_s = 150, .end_s = 151.5, .check_complete = false, .seek = true};
  auto clip = DecodeStoredAudio(blobs, key, clip_options);
  ASSERT_TRUE(clip.ok()) << clip.status().ToString();
  EXPECT_NEAR(clip->DurationSeconds(), 1.5, 0.001);
  double fraction_read = double(counting->read_) / double(sealed_size);
  // The container's first and last pages, a few seek probes and the clip's own frame: a handful
  // of frames whatever the recording's length.
  EXPECT_LE(counting->read_, 5 * (kBlobFrameSize + kBlobTagSize) + 4 * kBlobHeaderSize);
  EXPECT_LT(fraction_read, 0.5) << "read " << counting->read_ << " of " << sealed_size << " bytes";
  std::cout << "[ measured ] a 1.5 s clip in the middle of 5 min read " << 100 * fraction_read
            << " % of the sealed object\n";

  // The same samples as decoding the whole recording from its first byte.
  ByteSource in_memory{opus->size(), [&](uint64_t offset, size_t length) -> Result<std::string> {
                         return opus->substr(std::min<size_t>(offset, opus->size()), length);
                       }};
  auto whole = DecodeAudioSource(in_memory, {.start_s = 150, .end_s = 151.5, .check_complete = false});
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->samples.size(), clip->samples.size());
  double error = 0, energy = 0;
  for (size_t i = 0; i < clip->samples.size(); ++i) {
    error += std::pow(clip->samples[i] - whole->samples[i], 2);
    energy += std::pow(whole->samples[i], 2);
  }
  EXPECT_LT(error / energy, 0.05) << "the clip is the same stretch of audio";

  // Tampering anywhere the clip reads is still detected.
  std::string sealed = *counting->Get(key);
  sealed[sealed.size() / 2] ^= 1;
  ASSERT_TRUE(counting->Put(key, sealed).ok());
  EXPECT_FALSE(DecodeStoredAudio(blobs, key, clip_options).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, EncryptedStorageTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflexio
