#include "storage/codecs.h"
#include "storage/sqlite_database.h"


#include "core/ids.h"
#include "crypto/digest.h"
#include "storage/cursor.h"
#include "storage/paging.h"
#include "storage/search_windows.h"
#include "storage/sqlite_rows.h"

namespace reflexio {


using namespace sqlite_rows;  // NOLINT: the backend's own helpers

namespace {



// FTS5 query: every term must occur; each quoted so user text is never FTS syntax.
std::string FtsQuery(const std::vector<std::string>& terms) {
  std::string query;
  for (const auto& term : terms) {
    std::string quoted = "\"";
    for (char c : term) quoted += (c == '"') ? std::string("\"\"") : std::string(1, c);
    query += (query.empty() ? "" : " ") + quoted + "\"";
  }
  return query;
}

Status SetRecordingStatus(SqliteConnection& db, const Job& job, const std::string& status,
                          const std::optional<std::string>& error, TimePoint now) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(
      "UPDATE recordings SET status = ?, error = ?, updated_at = ? WHERE tenant_id = ? AND id = ?"));
  stmt.Bind(1, status);
  stmt.Bind(2, error);
  stmt.Bind(3, FormatRfc3339(now));
  stmt.Bind(4, job.tenant_id);
  stmt.Bind(5, job.recording_id);
  return stmt.Run();
}

}  // namespace

Status SqliteDatabase::Transact(const std::string& tenant, const Body& body) {
  (void)tenant;  // see the header: tenancy is in each statement's filter
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto tx, db_->BeginImmediate());
  RETURN_IF_ERROR(body(*db_));
  return tx.Commit();
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             const std::vector<Migration>& migrations,
                                                             const Clock& clock) {
  ASSIGN_OR_RETURN(auto connection, SqliteConnection::Open(path));
  SqliteMigrationTarget target(*connection);
  ASSIGN_OR_RETURN(MigrationReport report, ApplyMigrations(target, migrations));
  (void)report;
  RETURN_IF_ERROR(VerifyMigrations(target, migrations));
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(std::move(connection), clock));
}

Result<Tenant> SqliteDatabase::EnsureTenant(const std::string& name) {
  return Transact<Tenant>("", [&](SqliteConnection& db) -> Result<Tenant> {
    ASSIGN_OR_RETURN(auto find, db.Prepare("SELECT id FROM tenants WHERE name = ?"));
    find.Bind(1, name);
    ASSIGN_OR_RETURN(bool found, find.Step());
    Tenant tenant{found ? find.ColumnText(0) : NewId(), name};
    if (!found) {
      ASSIGN_OR_RETURN(auto insert, db.Prepare("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)"));
      insert.Bind(1, tenant.id);
      insert.Bind(2, name);
      insert.Bind(3, FormatRfc3339(clock_.Now()));
      RETURN_IF_ERROR(insert.Run());
    }
    return tenant;
  });
}

Result<int64_t> SqliteDatabase::CountTenants() {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT count(*) FROM tenants"));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : 0;
}

Result<std::string> SqliteDatabase::AddApiKey(const std::string& tenant_id, const std::string& key_hash,
                                              const std::string& display_prefix) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)"));
  std::string id = NewId();
  stmt.Bind(1, id);
  stmt.Bind(2, tenant_id);
  stmt.Bind(3, key_hash);
  stmt.Bind(4, display_prefix);
  stmt.Bind(5, FormatRfc3339(clock_.Now()));
  RETURN_IF_ERROR(stmt.Run());
  return id;
}

Result<std::optional<Tenant>> SqliteDatabase::TenantForKeyHash(const std::string& key_hash) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT t.id, t.name FROM api_keys k JOIN tenants t ON t.id = k.tenant_id "
      "WHERE k.key_hash = ? AND k.revoked_at IS NULL"));
  stmt.Bind(1, key_hash);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Tenant>();
  return std::optional<Tenant>(Tenant{stmt.ColumnText(0), stmt.ColumnText(1)});
}

Result<std::vector<Tenant>> SqliteDatabase::ListTenants() {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT id, name FROM tenants ORDER BY id"));
  return ReadRows(stmt, [](const SqliteRow& row) { return Tenant{row.Text(0), row.Text(1)}; });
}

namespace {
Result<std::optional<WrappedTenantKey>> SelectTenantKey(SqliteConnection& db, const std::string& tenant_id) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT master_key_id, wrapped_hex FROM tenant_keys WHERE tenant_id = ?"));
  stmt.Bind(1, tenant_id);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<WrappedTenantKey>();
  auto wrapped = FromHex(stmt.ColumnText(1));
  if (!wrapped) return Internal("the stored key of tenant " + tenant_id + " is not hex");
  return std::optional<WrappedTenantKey>(WrappedTenantKey{tenant_id, stmt.ColumnText(0), *wrapped});
}
}  // namespace

Result<std::optional<WrappedTenantKey>> SqliteDatabase::GetTenantKey(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  return SelectTenantKey(*db_, tenant_id);
}

Result<WrappedTenantKey> SqliteDatabase::AddTenantKey(const WrappedTenantKey& key) {
  return Transact<WrappedTenantKey>(key.tenant_id, [&](SqliteConnection& db) -> Result<WrappedTenantKey> {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare(
        "INSERT INTO tenant_keys (tenant_id, master_key_id, wrapped_hex, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (tenant_id) DO NOTHING"));
    stmt.Bind(1, key.tenant_id);
    stmt.Bind(2, key.master_key_id);
    stmt.Bind(3, ToHex(key.wrapped));
    stmt.Bind(4, FormatRfc3339(clock_.Now()));
    RETURN_IF_ERROR(stmt.Run());
    ASSIGN_OR_RETURN(auto stored, SelectTenantKey(db, key.tenant_id));
    if (!stored) return Internal("the key of tenant " + key.tenant_id + " was not stored");
    return *stored;
  });
}

Status SqliteDatabase::ReplaceTenantKey(const WrappedTenantKey& key, const std::string& expected_master_key_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "UPDATE tenant_keys SET master_key_id = ?, wrapped_hex = ?, updated_at = ? "
      "WHERE tenant_id = ? AND master_key_id = ?"));
  stmt.Bind(1, key.master_key_id);
  stmt.Bind(2, ToHex(key.wrapped));
  stmt.Bind(3, FormatRfc3339(clock_.Now()));
  stmt.Bind(4, key.tenant_id);
  stmt.Bind(5, expected_master_key_id);
  RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() == 0) {
    return Status(ErrorCode::kConflict, "key_changed",
                  "the key of tenant " + key.tenant_id + " is no longer wrapped by master key " + expected_master_key_id);
  }
  return Status::Ok();
}

namespace {
Result<std::optional<Recording>> SelectByIdempotencyKey(SqliteConnection& db, const std::string& tenant_id,
                                                        const std::string& key) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(std::string("SELECT ") + kRecordingColumns +
                                           " FROM recordings WHERE tenant_id = ? AND idempotency_key = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, key);
  return ReadOne(stmt, [](const SqliteRow& row) { return ReadRecording(row); });
}
}  // namespace

Result<std::optional<Recording>> SqliteDatabase::FindByIdempotencyKey(const std::string& tenant_id,
                                                                      const std::string& key) {
  MutexLock lock(mutex_);
  return SelectByIdempotencyKey(*db_, tenant_id, key);
}

Result<std::optional<std::string>> SqliteDatabase::LastIdempotencyKeyWithPrefix(const std::string& tenant_id,
                                                                                const std::string& prefix) {
  MutexLock lock(mutex_);
  // substr, not LIKE: a prefix may hold LIKE's wildcards. SQLite compares text bytewise.
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT idempotency_key FROM recordings WHERE tenant_id = ? AND "
                                           "substr(idempotency_key, 1, ?) = ? ORDER BY idempotency_key DESC LIMIT 1"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, static_cast<int64_t>(prefix.size()));
  stmt.Bind(3, prefix);
  return ReadOne(stmt, [](const SqliteRow& row) { return row.Text(0); });
}

Result<InsertOutcome> SqliteDatabase::InsertRecording(const Recording& r, const std::string& job_kind,
                                                      int max_attempts) {
  return Transact<InsertOutcome>(r.tenant_id, [&](SqliteConnection& db) -> Result<InsertOutcome> {
    if (r.idempotency_key) {
      ASSIGN_OR_RETURN(auto existing, SelectByIdempotencyKey(db, r.tenant_id, *r.idempotency_key));
      if (existing) return InsertOutcome{*existing, true};
    }
    ASSIGN_OR_RETURN(auto insert, db.Prepare(std::string("INSERT INTO recordings (") + kRecordingColumns +
                                               ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    insert.Bind(1, r.tenant_id);
    insert.Bind(2, r.id);
    insert.Bind(3, std::string(ToString(r.status)));
    insert.BindNull(4);
    insert.Bind(5, r.content_type);
    insert.Bind(6, r.original_bytes);
    insert.Bind(7, r.body_sha256);
    insert.Bind(8, r.idempotency_key);
    insert.Bind(9, FormatRfc3339(r.captured_at));
    insert.Bind(10, FormatRfc3339(r.received_at));
    insert.Bind(11, FormatRfc3339(r.received_at));
    if (r.duration_s) insert.Bind(12, *r.duration_s); else insert.BindNull(12);
    insert.BindNull(13);
    insert.Bind(14, r.source_path);
    insert.BindNull(15);
    insert.BindNull(16);
    insert.BindNull(17);
    RETURN_IF_ERROR(insert.Run());
    double now = ToUnixSeconds(clock_.Now());
    ASSIGN_OR_RETURN(auto job, db.Prepare(
        "INSERT INTO jobs (tenant_id, recording_id, kind, state, max_attempts, run_after, created_at, updated_at) "
        "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)"));
    job.Bind(1, r.tenant_id);
    job.Bind(2, r.id);
    job.Bind(3, job_kind);
    job.Bind(4, static_cast<int64_t>(max_attempts));
    job.Bind(5, now);
    job.Bind(6, now);
    job.Bind(7, now);
    RETURN_IF_ERROR(job.Run());
    return InsertOutcome{r, false};
  });
}

namespace {
Result<std::optional<Recording>> SelectRecording(SqliteConnection& db, const std::string& tenant_id,
                                                 const std::string& id) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(std::string("SELECT ") + kRecordingColumns +
                                           " FROM recordings WHERE tenant_id = ? AND id = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, id);
  return ReadOne(stmt, [](const SqliteRow& row) { return ReadRecording(row); });
}
}  // namespace

Result<std::optional<Recording>> SqliteDatabase::GetRecording(const std::string& tenant_id, const std::string& id) {
  MutexLock lock(mutex_);
  return SelectRecording(*db_, tenant_id, id);
}

Result<Page<Recording>> SqliteDatabase::ListRecordings(const std::string& tenant_id, const TimeRange& range,
                                                       int limit, const std::string& cursor) {
  MutexLock lock(mutex_);
  std::string sql = std::string("SELECT ") + kRecordingColumns +
                    " FROM recordings WHERE tenant_id = ?1 AND (?2 IS NULL OR captured_at >= ?2) "
                    "AND (?3 IS NULL OR captured_at < ?3) "
                    "AND (?4 IS NULL OR captured_at < ?4 OR (captured_at = ?4 AND id < ?5)) "
                    "ORDER BY captured_at DESC, id DESC LIMIT ?6";
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(sql));
  stmt.Bind(1, tenant_id);
  BindRange(stmt, 2, range);
  RETURN_IF_ERROR(BindAfter(stmt, 4, cursor));
  stmt.Bind(6, FetchLimit(limit));
  Page<Recording> page;
  ASSIGN_OR_RETURN(page.items, ReadRows(stmt, [](const SqliteRow& row) { return ReadRecording(row); }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor(FormatRfc3339(last.captured_at), last.id); });
}

Result<std::vector<Segment>> SqliteDatabase::GetSegments(const std::string& tenant_id,
                                                         const std::string& recording_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kSegmentColumns +
                                           " FROM segments WHERE tenant_id = ? AND recording_id = ? ORDER BY seq"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, recording_id);
  return ReadRows(stmt, [](const SqliteRow& row) { return ReadSegment(row, 0); });
}

Result<Page<SearchHit>> SqliteDatabase::Search(const std::string& tenant_id, const std::vector<std::string>& terms,
                                               const TimeRange& range, int limit, const std::string& cursor) {
  if (terms.empty()) return InvalidArgument("the search query has no words", "empty_query");
  MutexLock lock(mutex_);
  // The full-text index walks its matches newest first (rowid = search key, descending) and stops
  // after one window; only those are scored. CROSS JOIN keeps the index the outer loop, and the
  // unary + below keeps the planner from reading the page's rows through the tenant's index
  // (every row of the tenant) instead of by rowid.
  ASSIGN_OR_RETURN(auto window, db_->Prepare(
      "SELECT segments_fts.rowid, bm25(segments_fts) FROM segments_fts CROSS JOIN segments s ON s.rowid = segments_fts.rowid "
      "WHERE segments_fts MATCH ?1 AND segments_fts.rowid BETWEEN ?2 AND ?3 AND s.tenant_id = ?4 "
      "ORDER BY segments_fts.rowid DESC LIMIT ?5"));
  window.Bind(1, FtsQuery(terms));
  window.Bind(4, tenant_id);
  auto fetch = [&](const KeyBounds& keys, int size) -> Result<std::vector<SearchCandidate>> {
    window.Reset();
    window.Bind(2, keys.low);  // the time range, exactly: a rowid is the capture millisecond and a slot
    window.Bind(3, keys.high);
    window.Bind(5, static_cast<int64_t>(size));
    return ReadRows(window, [](const SqliteRow& row) {
      return SearchCandidate{row.Int(0), -row.Double(1)};  // bm25 ranks lower as better
    });
  };
  ASSIGN_OR_RETURN(Page<SearchCandidate> ranked, RankInWindows(fetch, range, cursor, limit));
  if (ranked.items.empty()) return Page<SearchHit>{};
  ASSIGN_OR_RETURN(auto rows, db_->Prepare(std::string("SELECT rowid, recording_id, ") + kSegmentColumns +
                                           " FROM segments WHERE rowid IN (" + KeyList(ranked) + ") AND +tenant_id = ?1"));
  rows.Bind(1, tenant_id);
  ASSIGN_OR_RETURN(auto hits, ReadRows(rows, [](const SqliteRow& row) {
    SearchHit hit;
    hit.recording_id = row.Text(1);
    hit.segment = ReadSegment(row, 2);
    return std::make_pair(row.Int(0), std::move(hit));
  }));
  return OrderHits(ranked, std::map<int64_t, SearchHit>(std::make_move_iterator(hits.begin()),
                                                        std::make_move_iterator(hits.end())));
}

Result<std::optional<Job>> SqliteDatabase::ClaimJob(const std::string& owner, double lease_s) {
  while (true) {
    // A job claimed more often than it may run is buried in its own transaction; the loop then
    // claims the next one.
    bool buried = false;
    using Claimed = std::optional<Job>;
    ASSIGN_OR_RETURN(Claimed claimed, Transact<Claimed>("", [&](SqliteConnection& db) -> Result<Claimed> {
      double now = ToUnixSeconds(clock_.Now());
      ASSIGN_OR_RETURN(auto next, db.Prepare(
          "SELECT id, state = 'running' FROM jobs WHERE (state = 'queued' AND run_after <= ?1) "
          "OR (state = 'running' AND lease_until < ?1) ORDER BY run_after, id LIMIT 1"));
      next.Bind(1, now);
      ASSIGN_OR_RETURN(bool found, next.Step());
      if (!found) return std::optional<Job>();
      int64_t id = next.ColumnInt(0);
      bool lease_expired = next.ColumnInt(1) != 0;
      ASSIGN_OR_RETURN(auto claim, db.Prepare(
          "UPDATE jobs SET state = 'running', lease_owner = ?1, lease_until = ?2, attempts = attempts + 1, "
          "updated_at = ?3 WHERE id = ?4 RETURNING id, tenant_id, recording_id, kind, attempts, max_attempts"));
      claim.Bind(1, owner);
      claim.Bind(2, now + lease_s);
      claim.Bind(3, now);
      claim.Bind(4, id);
      ASSIGN_OR_RETURN(bool row, claim.Step());
      if (!row) return Internal("job " + std::to_string(id) + " vanished while being claimed");
      Job job{claim.ColumnInt(0), claim.ColumnText(1), claim.ColumnText(2), claim.ColumnText(3),
              static_cast<int>(claim.ColumnInt(4)), static_cast<int>(claim.ColumnInt(5)), owner, lease_expired};
      (void)claim.Step();  // finish the statement before the next one
      if (job.attempts > job.max_attempts) {
        // Its worker vanished while holding it every time: give up instead of running it again.
        std::string lost = "processing was interrupted " + std::to_string(job.max_attempts) +
                           " times (the worker stopped while holding it)";
        ASSIGN_OR_RETURN(auto dead, db.Prepare(
            "UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_until = NULL, last_error = ? WHERE id = ?"));
        dead.Bind(1, lost);
        dead.Bind(2, job.id);
        RETURN_IF_ERROR(dead.Run());
        RETURN_IF_ERROR(SetRecordingStatus(db, job, "failed", lost, clock_.Now()));
        buried = true;
        return std::optional<Job>();
      }
      RETURN_IF_ERROR(SetRecordingStatus(db, job, "processing", std::nullopt, clock_.Now()));
      return std::optional<Job>(job);
    }));
    if (!buried) return claimed;
  }
}

Status SqliteDatabase::RenewLease(const Job& job, double lease_s) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'running'"));
  stmt.Bind(1, ToUnixSeconds(clock_.Now()) + lease_s);
  stmt.Bind(2, job.id);
  stmt.Bind(3, job.lease_owner);
  RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() == 0) return Status(ErrorCode::kConflict, "lease_lost", "the job's lease was lost");
  return Status::Ok();
}

Status SqliteDatabase::CompleteTranscription(const Job& job, const Transcription& t) {
  return Transact(job.tenant_id, [&](SqliteConnection& db) -> Status {
    double now = ToUnixSeconds(clock_.Now());
    ASSIGN_OR_RETURN(auto done, db.Prepare(
        "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = ? "
        "WHERE id = ? AND lease_owner = ? AND state = 'running'"));
    done.Bind(1, now);
    done.Bind(2, job.id);
    done.Bind(3, job.lease_owner);
    RETURN_IF_ERROR(done.Run());
    if (db.Changes() == 0) {
      return Status(ErrorCode::kConflict, "lease_lost", "job " + std::to_string(job.id) + " is no longer ours");
    }
    ASSIGN_OR_RETURN(auto clear, db.Prepare("DELETE FROM segments WHERE tenant_id = ? AND recording_id = ?"));
    clear.Bind(1, job.tenant_id);
    clear.Bind(2, job.recording_id);
    RETURN_IF_ERROR(clear.Run());
    for (const Segment& seg : t.segments) {
      // The rowid is the search key (storage/search_windows.h): the first free slot of the
      // capture millisecond, among every tenant's segments (the full-text index is shared).
      ASSIGN_OR_RETURN(auto insert, db.Prepare(
          std::string("INSERT INTO segments (tenant_id, recording_id, ") + kSegmentColumns + ", rowid) "
          "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13, (SELECT coalesce(max(rowid) + 1, ?14) FROM segments "
          "WHERE rowid BETWEEN ?14 AND ?14 + ?15 - 1)) RETURNING rowid"));
      insert.Bind(1, job.tenant_id);
      insert.Bind(2, job.recording_id);
      insert.Bind(3, static_cast<int64_t>(seg.seq));
      insert.Bind(4, seg.start_s);
      insert.Bind(5, seg.end_s);
      insert.Bind(6, FormatRfc3339(seg.captured_at));
      insert.Bind(7, seg.text);
      insert.Bind(8, WordsToJson(seg.words));
      insert.Bind(9, seg.engine);
      insert.Bind(10, seg.language);
      insert.Bind(11, seg.index_terms);
      insert.Bind(12, seg.quality);
      insert.Bind(13, JoinReasons(seg.quality_reasons));
      int64_t base = CaptureKeyBase(seg.captured_at);
      insert.Bind(14, base);
      insert.Bind(15, kCaptureKeySlots);
      ASSIGN_OR_RETURN(bool inserted, insert.Step());
      if (!inserted || insert.ColumnInt(0) >= base + kCaptureKeySlots) {
        return Status(ErrorCode::kUnprocessable, "capture_millisecond_full",
                      "more than " + std::to_string(kCaptureKeySlots) + " segments captured in one millisecond");
      }
    }
    ASSIGN_OR_RETURN(auto update, db.Prepare(
        "UPDATE recordings SET status = 'transcribed', error = NULL, duration_s = ?, speech_s = ?, audio_path = ?, "
        "engine = ?, language = ?, source_path = NULL, updated_at = ? WHERE tenant_id = ? AND id = ?"));
    update.Bind(1, t.duration_s);
    update.Bind(2, t.speech_s);
    update.Bind(3, t.audio_path);
    update.Bind(4, t.engine);
    update.Bind(5, t.language);
    update.Bind(6, FormatRfc3339(clock_.Now()));
    update.Bind(7, job.tenant_id);
    update.Bind(8, job.recording_id);
    RETURN_IF_ERROR(update.Run());
    return Status::Ok();
  });
}

Status SqliteDatabase::FailJob(const Job& job, const std::string& error, double retry_in_s) {
  return Transact(job.tenant_id, [&](SqliteConnection& db) -> Status {
    bool dead = job.attempts >= job.max_attempts;
    double now = ToUnixSeconds(clock_.Now());
    ASSIGN_OR_RETURN(auto stmt, db.Prepare(
        "UPDATE jobs SET state = ?, lease_owner = NULL, lease_until = NULL, last_error = ?, run_after = ?, "
        "updated_at = ? WHERE id = ? AND lease_owner = ?"));
    stmt.Bind(1, std::string(dead ? "dead" : "queued"));
    stmt.Bind(2, error);
    stmt.Bind(3, now + retry_in_s);
    stmt.Bind(4, now);
    stmt.Bind(5, job.id);
    stmt.Bind(6, job.lease_owner);
    RETURN_IF_ERROR(stmt.Run());
    if (db.Changes() == 0) return Status(ErrorCode::kConflict, "lease_lost", "the job's lease was lost");
    RETURN_IF_ERROR(SetRecordingStatus(db, job, dead ? "failed" : "queued",
                                       dead ? std::optional<std::string>(error) : std::nullopt, clock_.Now()));
    return Status::Ok();
  });
}

Result<int64_t> SqliteDatabase::ReleaseAllLeases() {
  return Transact<int64_t>("", [&](SqliteConnection& db) -> Result<int64_t> {
    RETURN_IF_ERROR(db.Execute(
        "UPDATE recordings SET status = 'queued' WHERE status = 'processing' AND id IN "
        "(SELECT recording_id FROM jobs WHERE state = 'running')"));
    RETURN_IF_ERROR(db.Execute(
        "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL WHERE state = 'running'"));
    int64_t released = db.Changes();
    return released;
  });
}

Result<QueueStats> SqliteDatabase::GetQueueStats() {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT coalesce(sum(state = 'queued'), 0), coalesce(sum(state = 'running'), 0), "
      "coalesce(sum(state = 'dead'), 0), min(CASE WHEN state = 'queued' THEN created_at END) FROM jobs "
      "WHERE state != 'done'"));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  QueueStats stats;
  if (row) {
    stats.queued = stmt.ColumnInt(0);
    stats.running = stmt.ColumnInt(1);
    stats.dead = stmt.ColumnInt(2);
    if (!stmt.ColumnIsNull(3)) stats.oldest_queued_age_s = ToUnixSeconds(clock_.Now()) - stmt.ColumnDouble(3);
  }
  return stats;
}

Result<int64_t> SqliteDatabase::RollUpDailyUsage(const std::string& day) {
  return Transact<int64_t>("", [&](SqliteConnection& db) -> Result<int64_t> {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare(
        "INSERT INTO usage_daily (tenant_id, day, speech_seconds, uploads) "
        "SELECT tenant_id, ?1, coalesce(sum(speech_s), 0), count(*) FROM recordings "
        "WHERE captured_at >= ?1 || 'T00:00:00.000Z' AND captured_at < date(?1, '+1 day') || 'T00:00:00.000Z' "
        "GROUP BY tenant_id "
        "ON CONFLICT (tenant_id, day) DO UPDATE SET speech_seconds = excluded.speech_seconds, uploads = excluded.uploads"));
    stmt.Bind(1, day);
    RETURN_IF_ERROR(stmt.Run());
    int64_t tenants = db.Changes();
    return tenants;
  });
}

Result<std::optional<DailyUsage>> SqliteDatabase::GetDailyUsage(const std::string& tenant_id,
                                                                          const std::string& day) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT speech_seconds, uploads FROM usage_daily WHERE tenant_id = ? AND day = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, day);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<DailyUsage>();
  return std::optional<DailyUsage>(DailyUsage{stmt.ColumnDouble(0), stmt.ColumnInt(1)});
}

Status SqliteDatabase::CheckWritable() {
  return Transact("", [](SqliteConnection&) -> Status {
    return Status::Ok();  // nothing is written: taking the write lock is the check
  });
}

Result<TenantSettings> SqliteDatabase::GetTenantSettings(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT audio_retention_hours, transcript_retention_days, digest_retention_days, opt_out_training, pii_mode, "
      "timezone, digest_time, telegram_chat_id FROM tenant_settings WHERE tenant_id = ?"));
  stmt.Bind(1, tenant_id);
  TenantSettings settings;
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return settings;
  auto optional_int = [&](int column) -> std::optional<int> {
    if (stmt.ColumnIsNull(column)) return std::nullopt;
    return static_cast<int>(stmt.ColumnInt(column));
  };
  settings.audio_retention_hours = optional_int(0);
  settings.transcript_retention_days = optional_int(1);
  settings.digest_retention_days = optional_int(2);
  settings.opt_out_training = stmt.ColumnInt(3) != 0;
  if (!stmt.ColumnIsNull(4)) settings.pii_mode = stmt.ColumnText(4);
  if (!stmt.ColumnIsNull(5)) settings.timezone = stmt.ColumnText(5);
  if (!stmt.ColumnIsNull(6)) settings.digest_time = stmt.ColumnText(6);
  if (!stmt.ColumnIsNull(7)) settings.telegram_chat_id = stmt.ColumnText(7);
  return settings;
}

Status SqliteDatabase::PutTenantSettings(const std::string& tenant_id, const TenantSettings& settings) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO tenant_settings (tenant_id, audio_retention_hours, transcript_retention_days, digest_retention_days, "
      "opt_out_training, pii_mode, updated_at, timezone, digest_time, telegram_chat_id) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (tenant_id) DO UPDATE SET "
      "audio_retention_hours = ?2, transcript_retention_days = ?3, digest_retention_days = ?4, opt_out_training = ?5, "
      "pii_mode = ?6, updated_at = ?7, timezone = ?8, digest_time = ?9, telegram_chat_id = ?10"));
  auto bind_optional = [&](int index, const std::optional<int>& value) {
    if (value) stmt.Bind(index, static_cast<int64_t>(*value)); else stmt.BindNull(index);
  };
  stmt.Bind(1, tenant_id);
  bind_optional(2, settings.audio_retention_hours);
  bind_optional(3, settings.transcript_retention_days);
  bind_optional(4, settings.digest_retention_days);
  stmt.Bind(5, static_cast<int64_t>(settings.opt_out_training ? 1 : 0));
  stmt.Bind(6, settings.pii_mode);
  stmt.Bind(7, FormatRfc3339(clock_.Now()));
  stmt.Bind(8, settings.timezone);
  stmt.Bind(9, settings.digest_time);
  stmt.Bind(10, settings.telegram_chat_id);
  return stmt.Run();
}

Status SqliteDatabase::AddOperatorKey(const std::string& key_hash, const std::string& display_prefix) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO operator_keys (id, key_hash, prefix, created_at) VALUES (?, ?, ?, ?)"));
  stmt.Bind(1, NewId());
  stmt.Bind(2, key_hash);
  stmt.Bind(3, display_prefix);
  stmt.Bind(4, FormatRfc3339(clock_.Now()));
  return stmt.Run();
}

Result<bool> SqliteDatabase::IsOperatorKeyHash(const std::string& key_hash) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT 1 FROM operator_keys WHERE key_hash = ? AND revoked_at IS NULL"));
  stmt.Bind(1, key_hash);
  return stmt.Step();
}

Status sqlite_rows::InsertAuditEntry(SqliteConnection& db, const AuditEntry& entry, TimePoint now) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(
      "INSERT INTO audit_log (tenant_id, id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?)"));
  stmt.Bind(1, entry.tenant_id);
  stmt.Bind(2, entry.id.empty() ? NewId() : entry.id);
  stmt.Bind(3, FormatRfc3339(entry.at == TimePoint{} ? now : entry.at));
  stmt.Bind(4, entry.actor);
  stmt.Bind(5, entry.action);
  stmt.Bind(6, entry.detail.empty() ? std::string("{}") : entry.detail);
  return stmt.Run();
}

Status SqliteDatabase::AppendAudit(const AuditEntry& entry) {
  MutexLock lock(mutex_);
  return InsertAuditEntry(*db_, entry, clock_.Now());
}

Result<Page<AuditEntry>> SqliteDatabase::ListAudit(const std::string& tenant_id, int limit, const std::string& cursor) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT id, at, actor, action, detail FROM audit_log WHERE tenant_id = ?1 AND (?2 IS NULL OR id < ?2) "
      "ORDER BY id DESC LIMIT ?3"));
  stmt.Bind(1, tenant_id);
  if (!cursor.empty()) {
    ASSIGN_OR_RETURN(auto position, DecodeKeysetCursor(cursor));
    stmt.Bind(2, position.second);
  } else {
    stmt.BindNull(2);
  }
  stmt.Bind(3, FetchLimit(limit));
  Page<AuditEntry> page;
  ASSIGN_OR_RETURN(page.items, ReadRows(stmt, [&](const SqliteRow& row) {
    return AuditEntry{tenant_id, row.Text(0), row.Time(1), row.Text(2), row.Text(3), row.Text(4)};
  }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor("audit", last.id); });
}

Result<std::vector<Recording>> SqliteDatabase::ListFinishedCapturedBefore(const std::string& tenant_id,
                                                                          TimePoint cutoff, bool with_audio_only,
                                                                          int limit) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      std::string("SELECT ") + kRecordingColumns +
      " FROM recordings WHERE tenant_id = ?1 AND status IN ('transcribed', 'failed') AND captured_at < ?2 "
      "AND (?3 = 0 OR coalesce(audio_path, '') != '') ORDER BY captured_at, id LIMIT ?4"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, FormatRfc3339(cutoff));
  stmt.Bind(3, static_cast<int64_t>(with_audio_only ? 1 : 0));
  stmt.Bind(4, static_cast<int64_t>(limit));
  return ReadRows(stmt, [](const SqliteRow& row) { return ReadRecording(row); });
}

Status SqliteDatabase::ForgetAudio(const std::string& tenant_id, const std::string& recording_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "UPDATE recordings SET audio_path = NULL, updated_at = ? WHERE tenant_id = ? AND id = ?"));
  stmt.Bind(1, FormatRfc3339(clock_.Now()));
  stmt.Bind(2, tenant_id);
  stmt.Bind(3, recording_id);
  return stmt.Run();
}

Status SqliteDatabase::DeleteRecording(const std::string& tenant_id, const std::string& recording_id) {
  return Transact(tenant_id, [&](SqliteConnection& db) -> Status {
    for (const char* sql : {// What was understood from an episode that loses segments is understood again.
                            "DELETE FROM insights WHERE tenant_id = ?1 AND scope = 'episode' AND episode_id IN "
                            "(SELECT episode_id FROM segments WHERE tenant_id = ?1 AND recording_id = ?2)",
                            "UPDATE episodes SET enriched_at = NULL WHERE tenant_id = ?1 AND id IN "
                            "(SELECT episode_id FROM segments WHERE tenant_id = ?1 AND recording_id = ?2)",
                            "DELETE FROM segments WHERE tenant_id = ?1 AND recording_id = ?2",
                            "DELETE FROM jobs WHERE tenant_id = ?1 AND recording_id = ?2",
                            "DELETE FROM recordings WHERE tenant_id = ?1 AND id = ?2",
                            // Episodes keep counting only what is left; an emptied one goes.
                            "UPDATE episodes SET segments = (SELECT count(*) FROM segments s WHERE s.episode_id = episodes.id) "
                            "WHERE tenant_id = ?1 AND ?2 IS NOT NULL",
                            "DELETE FROM episodes WHERE tenant_id = ?1 AND segments = 0 AND ?2 IS NOT NULL"}) {
      ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
      stmt.Bind(1, tenant_id);
      stmt.Bind(2, recording_id);
      RETURN_IF_ERROR(stmt.Run());
    }
    return Status::Ok();
  });
}

Status SqliteDatabase::EraseTenantData(const std::string& tenant_id) {
  return Transact(tenant_id, [&](SqliteConnection& db) -> Status {
    // The data key goes last, in the same transaction: nothing it protected outlives it here.
    for (const char* table :
         {"digest_deliveries", "digests", "insights", "segments", "episodes", "jobs", "recordings", "usage_daily", "tenant_settings", "tenant_keys"}) {
      ASSIGN_OR_RETURN(auto stmt, db.Prepare(std::string("DELETE FROM ") + table + " WHERE tenant_id = ?"));
      stmt.Bind(1, tenant_id);
      RETURN_IF_ERROR(stmt.Run());
    }
    return Status::Ok();
  });
}

}  // namespace reflexio
