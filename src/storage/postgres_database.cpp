#include "storage/codecs.h"
#include "storage/postgres_database.h"

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <sstream>

#include "core/ids.h"
#include "crypto/digest.h"
#include "core/log.h"
#include "storage/cursor.h"
#include "storage/paging.h"
#include "storage/postgres_rows.h"
#include "storage/search_windows.h"

namespace reflexio {

using namespace pg;  // NOLINT: the backend's own helpers

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

namespace {

Status SetRecordingStatus(pqxx::dbtransaction& tx, const Job& job, const std::string& status,
                          const std::optional<std::string>& error, TimePoint now) {
  Exec(tx, "UPDATE recordings SET status = $1, error = $2, updated_at = to_timestamp($3) WHERE id = $4",
       Param(status), Param::Optional(error), Param(ToUnixSeconds(now)), Param(job.recording_id));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(const std::string& url, int pool_size,
                                                                 const std::vector<Migration>& migrations,
                                                                 const Clock& clock) {
  std::unique_ptr<PostgresDatabase> db(new PostgresDatabase(url, clock));
  try {
    MutexLock lock(db->mutex_);
    for (int i = 0; i < std::max(1, pool_size); ++i) db->idle_.push_back(std::make_unique<pqxx::connection>(url));
  } catch (const std::exception& e) {
    return Unavailable(std::string("cannot connect to PostgreSQL: ") + e.what(), "database_unavailable");
  }
  PostgresMigrationTarget target(url);
  Status verdict = VerifyMigrations(target, migrations);
  if (!verdict.ok()) return verdict.WithContext("the database schema does not match this server (run reflexio migrate)");
  return db;
}

PostgresDatabase::~PostgresDatabase() = default;

std::unique_ptr<pqxx::connection> PostgresDatabase::Acquire() {
  MutexLock lock(mutex_);
  while (idle_.empty()) lock.Wait(available_);
  auto c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void PostgresDatabase::Release(std::unique_ptr<pqxx::connection> connection) {
  {
    MutexLock lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

Status PostgresDatabase::Transact(const std::string& tenant, const Body& body) {
  auto connection = Acquire();
  Status result;
  try {
    if (!connection->is_open()) connection = std::make_unique<pqxx::connection>(url_);
    pqxx::work tx(*connection);
    tx.exec_params("SELECT set_config('app.tenant_id', $1, true)", tenant);
    result = body(tx);
    if (result.ok()) tx.commit();
  } catch (const pqxx::unique_violation& e) {
    result = Status(ErrorCode::kConflict, "constraint_violation", e.what());
  } catch (const pqxx::broken_connection& e) {
    result = Unavailable(std::string("PostgreSQL connection lost: ") + e.what(), "database_unavailable");
    try {
      connection = std::make_unique<pqxx::connection>(url_);
    } catch (const std::exception&) {
      // Keep the broken one; the next call retries the connection.
    }
  } catch (const pqxx::sql_error& e) {
    result = Internal(std::string("PostgreSQL: ") + e.what(), "database_error");
  } catch (const std::exception& e) {
    result = Internal(std::string("PostgreSQL: ") + e.what(), "database_error");
  }
  Release(std::move(connection));
  return result;
}

Result<Tenant> PostgresDatabase::EnsureTenant(const std::string& name) {
  Tenant tenant{NewId(), name};
  Status s = Transact("", [&](pqxx::dbtransaction& tx) {
    Exec(tx, "INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT (name) DO NOTHING",
         Param(tenant.id), Param(name), Param(ToUnixSeconds(clock_.Now())));
    tenant.id = Text(Exec(tx, "SELECT id FROM tenants WHERE name = $1", Param(name))[0][0]);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return tenant;
}

Result<int64_t> PostgresDatabase::CountTenants() {
  int64_t count = 0;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    count = tx.exec("SELECT count(*) FROM tenants")[0][0].as<int64_t>();
    return Status::Ok();
  }));
  return count;
}

Result<std::string> PostgresDatabase::AddApiKey(const std::string& tenant_id, const std::string& key_hash,
                                                const std::string& display_prefix) {
  std::string id = NewId();
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "INSERT INTO api_keys (tenant_id, id, key_hash, prefix, created_at) VALUES ($1, $2, $3, $4, to_timestamp($5))",
         Param(tenant_id), Param(id), Param(key_hash), Param(display_prefix), Param(ToUnixSeconds(clock_.Now())));
    return Status::Ok();
  }));
  return id;
}

Result<std::optional<Tenant>> PostgresDatabase::TenantForKeyHash(const std::string& key_hash) {
  std::optional<Tenant> found;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    tx.exec_params("SELECT set_config('app.key_hash', $1, true)", key_hash);
    auto rows = Exec(tx, "SELECT t.id, t.name FROM api_keys k JOIN tenants t ON t.id = k.tenant_id "
                         "WHERE k.key_hash = $1 AND k.revoked_at IS NULL", Param(key_hash));
    if (!rows.empty()) found = Tenant{Text(rows[0][0]), Text(rows[0][1])};
    return Status::Ok();
  }));
  return found;
}

Result<std::vector<Tenant>> PostgresDatabase::ListTenants() {
  std::vector<Tenant> tenants;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    for (const auto& row : tx.exec("SELECT id, name FROM tenants ORDER BY id")) {
      tenants.push_back(Tenant{Text(row[0]), Text(row[1])});
    }
    return Status::Ok();
  }));
  return tenants;
}

namespace {
Result<std::optional<WrappedTenantKey>> ReadTenantKey(pqxx::dbtransaction& tx, const std::string& tenant_id) {
  auto rows = Exec(tx, "SELECT master_key_id, encode(wrapped, 'hex') FROM tenant_keys WHERE tenant_id = $1",
                   Param(tenant_id));
  if (rows.empty()) return std::optional<WrappedTenantKey>();
  auto wrapped = FromHex(Text(rows[0][1]));
  if (!wrapped) return Internal("the stored key of tenant " + tenant_id + " is not hex");
  return std::optional<WrappedTenantKey>(WrappedTenantKey{tenant_id, Text(rows[0][0]), *wrapped});
}
}  // namespace

Result<std::optional<WrappedTenantKey>> PostgresDatabase::GetTenantKey(const std::string& tenant_id) {
  std::optional<WrappedTenantKey> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) -> Status {
    ASSIGN_OR_RETURN(found, ReadTenantKey(tx, tenant_id));
    return Status::Ok();
  }));
  return found;
}

Result<WrappedTenantKey> PostgresDatabase::AddTenantKey(const WrappedTenantKey& key) {
  std::optional<WrappedTenantKey> stored;
  RETURN_IF_ERROR(Transact(key.tenant_id, [&](pqxx::dbtransaction& tx) -> Status {
    Exec(tx, "INSERT INTO tenant_keys (tenant_id, master_key_id, wrapped, created_at, updated_at) "
             "VALUES ($1, $2, decode($3, 'hex'), to_timestamp($4), to_timestamp($4)) ON CONFLICT (tenant_id) DO NOTHING",
         Param(key.tenant_id), Param(key.master_key_id), Param(ToHex(key.wrapped)), Param(ToUnixSeconds(clock_.Now())));
    ASSIGN_OR_RETURN(stored, ReadTenantKey(tx, key.tenant_id));
    return Status::Ok();
  }));
  if (!stored) return Internal("the key of tenant " + key.tenant_id + " was not stored");
  return *stored;
}

Status PostgresDatabase::ReplaceTenantKey(const WrappedTenantKey& key, const std::string& expected_master_key_id) {
  return Transact(key.tenant_id, [&](pqxx::dbtransaction& tx) -> Status {
    auto updated = Exec(tx, "UPDATE tenant_keys SET master_key_id = $1, wrapped = decode($2, 'hex'), "
                            "updated_at = to_timestamp($3) WHERE tenant_id = $4 AND master_key_id = $5 RETURNING tenant_id",
                        Param(key.master_key_id), Param(ToHex(key.wrapped)), Param(ToUnixSeconds(clock_.Now())),
                        Param(key.tenant_id), Param(expected_master_key_id));
    if (updated.empty()) {
      return Status(ErrorCode::kConflict, "key_changed", "the key of tenant " + key.tenant_id +
                                                             " is no longer wrapped by master key " + expected_master_key_id);
    }
    return Status::Ok();
  });
}

Result<std::optional<Recording>> PostgresDatabase::FindByIdempotencyKey(const std::string& tenant_id,
                                                                        const std::string& key) {
  std::optional<Recording> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kRecordingColumns + " FROM recordings WHERE tenant_id = $1 AND idempotency_key = $2",
                     Param(tenant_id), Param(key));
    if (!rows.empty()) found = ReadRecording(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Result<std::optional<std::string>> PostgresDatabase::LastIdempotencyKeyWithPrefix(const std::string& tenant_id,
                                                                                  const std::string& prefix) {
  std::optional<std::string> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    // Byte order (COLLATE "C"), as the keys are compared digit by digit whatever the database's locale.
    auto rows = Exec(tx, "SELECT idempotency_key FROM recordings WHERE tenant_id = $1 AND left(idempotency_key, $2) = $3 "
                         "ORDER BY idempotency_key COLLATE \"C\" DESC LIMIT 1",
                     Param(tenant_id), Param(static_cast<int64_t>(prefix.size())), Param(prefix));
    if (!rows.empty()) found = Text(rows[0][0]);
    return Status::Ok();
  }));
  return found;
}

Result<InsertOutcome> PostgresDatabase::InsertRecording(const Recording& r, const std::string& job_kind,
                                                        int max_attempts) {
  InsertOutcome outcome{r, false};
  RETURN_IF_ERROR(Transact(r.tenant_id, [&](pqxx::dbtransaction& tx) {
    auto inserted = Exec(tx,
        "INSERT INTO recordings (tenant_id, id, status, content_type, original_bytes, body_sha256, idempotency_key, "
        "captured_at, received_at, updated_at, duration_s, source_path) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "to_timestamp($8), to_timestamp($9), to_timestamp($9), $10, $11) "
        "ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id",
        Param(r.tenant_id), Param(r.id), Param(std::string(ToString(r.status))), Param(r.content_type),
        Param(r.original_bytes), Param(r.body_sha256), Param::Optional(r.idempotency_key),
        Param(ToUnixSeconds(r.captured_at)), Param(ToUnixSeconds(r.received_at)), Param::Optional(r.duration_s),
        Param(r.source_path));
    if (inserted.empty()) {  // the Idempotency-Key was used already: return that recording
      auto rows = Exec(tx, std::string("SELECT ") + kRecordingColumns +
                               " FROM recordings WHERE tenant_id = $1 AND idempotency_key = $2",
                       Param(r.tenant_id), Param::Optional(r.idempotency_key));
      outcome = {ReadRecording(Row(rows[0])), true};
      return Status::Ok();
    }
    double now = ToUnixSeconds(clock_.Now());
    Exec(tx, "INSERT INTO jobs (tenant_id, recording_id, kind, state, max_attempts, run_after, created_at, updated_at) "
             "VALUES ($1, $2, $3, 'queued', $4, $5, $5, $5)",
         Param(r.tenant_id), Param(r.id), Param(job_kind), Param(static_cast<int64_t>(max_attempts)), Param(now));
    return Status::Ok();
  }));
  return outcome;
}

Result<std::optional<Recording>> PostgresDatabase::GetRecording(const std::string& tenant_id, const std::string& id) {
  std::optional<Recording> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kRecordingColumns + " FROM recordings WHERE tenant_id = $1 AND id = $2",
                     Param(tenant_id), Param(id));
    if (!rows.empty()) found = ReadRecording(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Result<Page<Recording>> PostgresDatabase::ListRecordings(const std::string& tenant_id, const TimeRange& range,
                                                         int limit, const std::string& cursor) {
  ASSIGN_OR_RETURN(After after, AfterCursor(cursor));
  Page<Recording> page;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kRecordingColumns +
                             " FROM recordings WHERE tenant_id = $1 "
                             "AND ($2::float8 IS NULL OR captured_at >= to_timestamp($2::float8)) "
                             "AND ($3::float8 IS NULL OR captured_at < to_timestamp($3::float8)) "
                             "AND ($4::float8 IS NULL OR (captured_at, id) < (to_timestamp($4::float8), $5::text)) "
                             "ORDER BY captured_at DESC, id DESC LIMIT $6",
                     Param(tenant_id), Param::Time(range.from), Param::Time(range.to), after.key, after.id,
                     Param(FetchLimit(limit)));
    for (const auto& row : rows) page.items.push_back(ReadRecording(Row(row)));
    return Status::Ok();
  }));
  // Epoch seconds with every digit, not RFC 3339's milliseconds: the next page must start exactly
  // after the last row, however finely its time was stored.
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor(EpochKey(last.captured_at), last.id); });
}

Result<std::vector<Segment>> PostgresDatabase::GetSegments(const std::string& tenant_id,
                                                           const std::string& recording_id) {
  std::vector<Segment> segments;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kSegmentColumns +
                             " FROM segments WHERE tenant_id = $1 AND recording_id = $2 ORDER BY seq",
                     Param(tenant_id), Param(recording_id));
    for (const auto& row : rows) segments.push_back(ReadSegment(Row(row), 0));
    return Status::Ok();
  }));
  return segments;
}

Result<Page<SearchHit>> PostgresDatabase::Search(const std::string& tenant_id, const std::vector<std::string>& terms,
                                                 const TimeRange& range, int limit, const std::string& cursor) {
  if (terms.empty()) return InvalidArgument("the search query has no words", "empty_query");
  std::string words;
  for (const auto& t : terms) words += (words.empty() ? "" : " ") + t;
  Page<SearchHit> page;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) -> Status {
    // One window per call of search_window (migrations/postgres/0018, 0019), which reads the words
    // with to_tsvector: as words, every one required, never as query syntax.
    auto fetch = [&](const KeyBounds& keys, int size) -> Result<std::vector<SearchCandidate>> {
      auto rows = Exec(tx, "SELECT search_key, score FROM search_window($1, $2, $3, $4)", Param(words),
                       Param(keys.low), Param(keys.high), Param(static_cast<int64_t>(size)));
      std::vector<SearchCandidate> candidates;
      for (const auto& row : rows) candidates.push_back({row[0].as<int64_t>(), row[1].as<double>()});
      return candidates;
    };
    ASSIGN_OR_RETURN(Page<SearchCandidate> ranked, RankInWindows(fetch, range, cursor, limit));
    std::map<int64_t, SearchHit> by_key;
    if (!ranked.items.empty()) {
      auto rows = Exec(tx, std::string("SELECT search_key, recording_id, ") + kSegmentColumns +
                               " FROM segments WHERE tenant_id = $1 AND search_key IN (" + KeyList(ranked) + ")",
                       Param(tenant_id));
      for (const auto& row : rows) {
        SearchHit& hit = by_key[row[0].as<int64_t>()];
        hit.recording_id = Text(row[1]);
        hit.segment = ReadSegment(Row(row), 2);
      }
    }
    page = OrderHits(ranked, std::move(by_key));
    return Status::Ok();
  }));
  return page;
}

Result<std::optional<Job>> PostgresDatabase::ClaimJob(const std::string& owner, double lease_s) {
  while (true) {
    std::optional<Job> job;
    bool exhausted = false;
    RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
      auto rows = Exec(tx, "SELECT id, tenant_id, recording_id, kind, attempts, max_attempts, lease_expired "
                           "FROM claim_next_job($1, $2, $3)",
                       Param(owner), Param(lease_s), Param(ToUnixSeconds(clock_.Now())));
      if (rows.empty()) return Status::Ok();
      job = Job{rows[0][0].as<int64_t>(), Text(rows[0][1]), Text(rows[0][2]), Text(rows[0][3]),
                rows[0][4].as<int>(), rows[0][5].as<int>(), owner, rows[0][6].as<bool>()};
      return Status::Ok();
    }));
    if (!job) return job;
    // The rest happens under the job's own tenant.
    RETURN_IF_ERROR(Transact(job->tenant_id, [&](pqxx::dbtransaction& tx) {
      if (job->attempts > job->max_attempts) {
        exhausted = true;
        std::string lost = "processing was interrupted " + std::to_string(job->max_attempts) +
                           " times (the worker stopped while holding it)";
        Exec(tx, "UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_until = NULL, last_error = $1 WHERE id = $2",
             Param(lost), Param(job->id));
        return SetRecordingStatus(tx, *job, "failed", lost, clock_.Now());
      }
      return SetRecordingStatus(tx, *job, "processing", std::nullopt, clock_.Now());
    }));
    if (!exhausted) return job;
  }
}

Status PostgresDatabase::RenewLease(const Job& job, double lease_s) {
  return Transact(job.tenant_id, [&](pqxx::dbtransaction& tx) -> Status {
    auto renewed = Exec(tx, "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running' "
                            "RETURNING id",
                        Param(ToUnixSeconds(clock_.Now()) + lease_s), Param(job.id), Param(job.lease_owner));
    if (renewed.empty()) return Status(ErrorCode::kConflict, "lease_lost", "the job's lease was lost");
    return Status::Ok();
  });
}

Status PostgresDatabase::CompleteTranscription(const Job& job, const Transcription& t) {
  return Transact(job.tenant_id, [&](pqxx::dbtransaction& tx) -> Status {
    double now = ToUnixSeconds(clock_.Now());
    auto done = Exec(tx, "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = $1 "
                         "WHERE id = $2 AND lease_owner = $3 AND state = 'running' RETURNING id",
                     Param(now), Param(job.id), Param(job.lease_owner));
    if (done.empty()) {
      return Status(ErrorCode::kConflict, "lease_lost", "job " + std::to_string(job.id) + " is no longer ours");
    }
    Exec(tx, "DELETE FROM segments WHERE tenant_id = $1 AND recording_id = $2", Param(job.tenant_id), Param(job.recording_id));
    for (const Segment& seg : t.segments) {
      // search_key (storage/search_windows.h): the first free slot of the capture millisecond
      // among the tenant's segments.
      int64_t base = CaptureKeyBase(seg.captured_at);
      auto inserted = Exec(tx,
          "INSERT INTO segments (tenant_id, recording_id, seq, start_s, end_s, captured_at, text, words_json, engine, "
          "language, index_terms, quality, quality_reasons, search_key) "
          "VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8, $9, $10, $11, $12, $13, "
          "(SELECT coalesce(max(search_key) + 1, $14) FROM segments WHERE tenant_id = $1 "
          "AND search_key BETWEEN $14 AND $14 + $15 - 1)) RETURNING search_key",
          Param(job.tenant_id), Param(job.recording_id), Param(static_cast<int64_t>(seg.seq)), Param(seg.start_s),
          Param(seg.end_s), Param(ToUnixSeconds(seg.captured_at)), Param(seg.text), Param(WordsToJson(seg.words)),
          Param(seg.engine), Param(seg.language), Param(seg.index_terms), Param(seg.quality),
          Param(JoinReasons(seg.quality_reasons)), Param(base), Param(kCaptureKeySlots));
      if (inserted[0][0].as<int64_t>() >= base + kCaptureKeySlots) {
        return Status(ErrorCode::kUnprocessable, "capture_millisecond_full",
                      "more than " + std::to_string(kCaptureKeySlots) + " segments captured in one millisecond");
      }
    }
    Exec(tx, "UPDATE recordings SET status = 'transcribed', error = NULL, duration_s = $1, speech_s = $2, audio_path = $3, "
             "engine = $4, language = $5, source_path = NULL, updated_at = to_timestamp($6) WHERE tenant_id = $7 AND id = $8",
         Param(t.duration_s), Param(t.speech_s), Param(t.audio_path), Param(t.engine), Param(t.language), Param(now),
         Param(job.tenant_id), Param(job.recording_id));
    return Status::Ok();
  });
}

Status PostgresDatabase::FailJob(const Job& job, const std::string& error, double retry_in_s) {
  return Transact(job.tenant_id, [&](pqxx::dbtransaction& tx) -> Status {
    bool dead = job.attempts >= job.max_attempts;
    double now = ToUnixSeconds(clock_.Now());
    auto updated = Exec(tx, "UPDATE jobs SET state = $1, lease_owner = NULL, lease_until = NULL, last_error = $2, "
                            "run_after = $3, updated_at = $4 WHERE id = $5 AND lease_owner = $6 RETURNING id",
                        Param(std::string(dead ? "dead" : "queued")), Param(error), Param(now + retry_in_s), Param(now),
                        Param(job.id), Param(job.lease_owner));
    if (updated.empty()) return Status(ErrorCode::kConflict, "lease_lost", "the job's lease was lost");
    return SetRecordingStatus(tx, job, dead ? "failed" : "queued",
                              dead ? std::optional<std::string>(error) : std::nullopt, clock_.Now());
  });
}

Result<int64_t> PostgresDatabase::ReleaseAllLeases() {
  std::vector<std::pair<std::string, std::string>> released;  // (tenant, recording)
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    for (const auto& row : tx.exec("SELECT tenant_id, recording_id FROM release_all_leases()")) {
      released.emplace_back(Text(row[0]), Text(row[1]));
    }
    return Status::Ok();
  }));
  for (const auto& [tenant, recording] : released) {
    RETURN_IF_ERROR(Transact(tenant, [&, &recording = recording](pqxx::dbtransaction& tx) {
      Exec(tx, "UPDATE recordings SET status = 'queued' WHERE id = $1 AND status = 'processing'", Param(recording));
      return Status::Ok();
    }));
  }
  return static_cast<int64_t>(released.size());
}

Result<QueueStats> PostgresDatabase::GetQueueStats() {
  QueueStats stats;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    auto row = Exec(tx, "SELECT queued, running, dead, oldest_queued_age FROM queue_stats($1)",
                    Param(ToUnixSeconds(clock_.Now())))[0];
    stats.queued = row[0].as<int64_t>();
    stats.running = row[1].as<int64_t>();
    stats.dead = row[2].as<int64_t>();
    stats.oldest_queued_age_s = Number(row[3]);
    return Status::Ok();
  }));
  return stats;
}

Status PostgresDatabase::CheckWritable() {
  return Transact("", [&](pqxx::dbtransaction& tx) {
    // A standby cannot take writes.
    return tx.exec("SELECT pg_is_in_recovery()")[0][0].as<bool>()
               ? Unavailable("PostgreSQL is a read-only standby", "database_read_only")
               : Status::Ok();
  });
}

Result<int64_t> PostgresDatabase::RollUpDailyUsage(const std::string& day) {
  // One transaction per tenant, each under that tenant: the roll-up itself never looks across.
  std::vector<std::string> tenants;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    for (const auto& row : tx.exec("SELECT id FROM tenants ORDER BY id")) tenants.push_back(Text(row[0]));
    return Status::Ok();
  }));
  int64_t rolled = 0;
  for (const auto& tenant : tenants) {
    RETURN_IF_ERROR(Transact(tenant, [&](pqxx::dbtransaction& tx) {
      auto rows = Exec(tx,
          "INSERT INTO usage_daily (tenant_id, day, speech_seconds, uploads) "
          "SELECT $1, $2::date, coalesce(sum(speech_s), 0), count(*) FROM recordings WHERE tenant_id = $1 "
          "AND captured_at >= $2::date::timestamp AT TIME ZONE 'UTC' "
          "AND captured_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC' HAVING count(*) > 0 "
          "ON CONFLICT (tenant_id, day) DO UPDATE SET speech_seconds = excluded.speech_seconds, "
          "uploads = excluded.uploads RETURNING 1",
          Param(tenant), Param(day));
      rolled += static_cast<int64_t>(rows.size());
      return Status::Ok();
    }));
  }
  return rolled;
}

Result<std::optional<DailyUsage>> PostgresDatabase::GetDailyUsage(const std::string& tenant_id,
                                                                            const std::string& day) {
  std::optional<DailyUsage> usage;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT speech_seconds, uploads FROM usage_daily WHERE tenant_id = $1 AND day = $2::date",
                     Param(tenant_id), Param(day));
    if (!rows.empty()) usage = DailyUsage{rows[0][0].as<double>(), rows[0][1].as<int64_t>()};
    return Status::Ok();
  }));
  return usage;
}

Status PostgresMigrationTarget::EnsureLedger() {
  try {
    pqxx::connection c(url_);
    pqxx::work tx(c);
    // The application role may read the ledger (to check the schema) but never create it.
    if (tx.exec("SELECT to_regclass('schema_migrations') IS NULL")[0][0].as<bool>()) {
      tx.exec("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
              "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      tx.commit();
    }
  } catch (const std::exception& e) {
    return Unavailable(std::string("PostgreSQL: ") + e.what(), "database_unavailable");
  }
  return Status::Ok();
}

Result<std::vector<AppliedMigration>> PostgresMigrationTarget::Applied() {
  std::vector<AppliedMigration> out;
  try {
    pqxx::connection c(url_);
    pqxx::work tx(c);
    for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version")) {
      out.push_back({row[0].as<int>(), Text(row[1]), Text(row[2])});
    }
  } catch (const pqxx::undefined_table&) {
    return out;  // nothing applied yet
  } catch (const std::exception& e) {
    return Unavailable(std::string("PostgreSQL: ") + e.what(), "database_unavailable");
  }
  return out;
}

Status PostgresMigrationTarget::Apply(const Migration& m) {
  try {
    pqxx::connection c(url_);
    pqxx::work tx(c);
    tx.exec(m.sql);
    tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version, m.name,
                   m.checksum);
    // From the migration that creates reflexio_app on, the application may read the ledger.
    tx.exec("DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'reflexio_app') THEN "
            "GRANT SELECT ON schema_migrations TO reflexio_app; END IF; END $$");
    tx.commit();
  } catch (const std::exception& e) {
    return Internal(std::string("PostgreSQL: ") + e.what(), "migration_failed");
  }
  return Status::Ok();
}

PostgresAdvisoryLock::~PostgresAdvisoryLock() = default;  // closing the session releases it

Result<bool> PostgresAdvisoryLock::TryAcquire() {
  try {
    if (!connection_ || !connection_->is_open()) {
      held_ = false;
      connection_ = std::make_unique<pqxx::connection>(url_);
    }
    pqxx::nontransaction tx(*connection_);
    if (held_) {
      tx.exec("SELECT 1");  // still connected, so still held
      return true;
    }
    held_ = tx.exec_params("SELECT pg_try_advisory_lock(hashtext($1))", name_)[0][0].as<bool>();
    return held_;
  } catch (const std::exception& e) {
    held_ = false;
    connection_.reset();
    return Unavailable(std::string("PostgreSQL: ") + e.what(), "database_unavailable");
  }
}

Status VerifyRowLevelSecurity(const std::string& url) {
  std::vector<std::string> problems;
  try {
    pqxx::connection c(url);
    pqxx::work tx(c);
    auto rows = tx.exec(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attname = 'tenant_id' "
        "AND NOT a.attisdropped ORDER BY c.relname");
    for (const auto& row : rows) {
      std::string table = Text(row[0]);
      if (!row[1].as<bool>()) problems.push_back(table + ": row-level security is not enabled");
      if (!row[2].as<bool>()) problems.push_back(table + ": row-level security is not forced");
      if (row[3].as<int64_t>() == 0) problems.push_back(table + ": has no tenant_isolation policy");
    }
    if (rows.empty()) problems.push_back("no table with a tenant_id column was found");
  } catch (const std::exception& e) {
    return Unavailable(std::string("PostgreSQL: ") + e.what(), "database_unavailable");
  }
  if (problems.empty()) return Status::Ok();
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
  return Status(ErrorCode::kConflict, "rls_incomplete", message);
}

Status EnsureServerRole(const std::string& owner_url, const std::string& server_url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(server_url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error ? error : "cannot be parsed";
    PQfreemem(error);
    return InvalidArgument("DATABASE_URL " + why, "invalid_config");
  }
  std::string user, password;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    if (std::string(option->keyword) == "user") user = option->val;
    if (std::string(option->keyword) == "password") password = option->val;
  }
  PQconninfoFree(options);
  if (user.empty()) return InvalidArgument("DATABASE_URL names no user for the server to log in as", "invalid_config");
  try {
    pqxx::connection c(owner_url);
    pqxx::work tx(c);
    if (tx.exec1("SELECT current_user")[0].as<std::string>() == user) {
      return InvalidArgument("DATABASE_URL logs in as the owner '" + user +
                                 "'; the server needs a role of its own, which row-level security binds",
                             "invalid_config");
    }
    auto existing = tx.exec_params("SELECT rolsuper FROM pg_roles WHERE rolname = $1", user);
    if (!existing.empty() && existing[0][0].as<bool>()) {
      return InvalidArgument("the server's role '" + user + "' is a superuser, which row-level security does not bind",
                             "invalid_config");
    }
    std::string login = " LOGIN" + (password.empty() ? std::string() : " PASSWORD " + tx.quote(password));
    tx.exec((existing.empty() ? "CREATE ROLE " : "ALTER ROLE ") + tx.quote_name(user) + login);
    tx.exec("GRANT reflexio_app TO " + tx.quote_name(user));
    tx.commit();
  } catch (const std::exception& e) {
    // The message names the statement's role, never its password (pqxx does not echo the SQL).
    return Unavailable(std::string("PostgreSQL: ") + e.what(), "database_unavailable");
  }
  return Status::Ok();
}

Result<TenantSettings> PostgresDatabase::GetTenantSettings(const std::string& tenant_id) {
  TenantSettings settings;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT audio_retention_hours, transcript_retention_days, digest_retention_days, "
                         "opt_out_training, pii_mode, timezone, digest_time, telegram_chat_id "
                         "FROM tenant_settings WHERE tenant_id = $1", Param(tenant_id));
    if (rows.empty()) return Status::Ok();
    auto optional_int = [&](int column) -> std::optional<int> {
      if (rows[0][column].is_null()) return std::nullopt;
      return rows[0][column].as<int>();
    };
    settings.audio_retention_hours = optional_int(0);
    settings.transcript_retention_days = optional_int(1);
    settings.digest_retention_days = optional_int(2);
    settings.opt_out_training = rows[0][3].as<bool>();
    if (!rows[0][4].is_null()) settings.pii_mode = Text(rows[0][4]);
    if (!rows[0][5].is_null()) settings.timezone = Text(rows[0][5]);
    if (!rows[0][6].is_null()) settings.digest_time = Text(rows[0][6]);
    if (!rows[0][7].is_null()) settings.telegram_chat_id = Text(rows[0][7]);
    return Status::Ok();
  }));
  return settings;
}

Status PostgresDatabase::PutTenantSettings(const std::string& tenant_id, const TenantSettings& settings) {
  auto optional_int = [](const std::optional<int>& value) {
    return value ? Param(static_cast<int64_t>(*value)) : Param();
  };
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "INSERT INTO tenant_settings (tenant_id, audio_retention_hours, transcript_retention_days, "
             "digest_retention_days, opt_out_training, pii_mode, updated_at, timezone, digest_time, telegram_chat_id) "
             "VALUES ($1, $2::int, $3::int, $4::int, $5::boolean, $6, to_timestamp($7), $8, $9, $10) "
             "ON CONFLICT (tenant_id) DO UPDATE SET "
             "audio_retention_hours = $2::int, transcript_retention_days = $3::int, digest_retention_days = $4::int, "
             "opt_out_training = $5::boolean, pii_mode = $6, updated_at = to_timestamp($7), timezone = $8, "
             "digest_time = $9, telegram_chat_id = $10",
         Param(tenant_id), optional_int(settings.audio_retention_hours), optional_int(settings.transcript_retention_days),
         optional_int(settings.digest_retention_days), Param(std::string(settings.opt_out_training ? "true" : "false")),
         Param::Optional(settings.pii_mode), Param(ToUnixSeconds(clock_.Now())), Param::Optional(settings.timezone),
         Param::Optional(settings.digest_time), Param::Optional(settings.telegram_chat_id));
    return Status::Ok();
  });
}

Status PostgresDatabase::AddOperatorKey(const std::string& key_hash, const std::string& display_prefix) {
  return Transact("", [&](pqxx::dbtransaction& tx) {
    Exec(tx, "INSERT INTO operator_keys (id, key_hash, prefix, created_at) VALUES ($1, $2, $3, to_timestamp($4))",
         Param(NewId()), Param(key_hash), Param(display_prefix), Param(ToUnixSeconds(clock_.Now())));
    return Status::Ok();
  });
}

Result<bool> PostgresDatabase::IsOperatorKeyHash(const std::string& key_hash) {
  bool found = false;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    found = !Exec(tx, "SELECT 1 FROM operator_keys WHERE key_hash = $1 AND revoked_at IS NULL", Param(key_hash)).empty();
    return Status::Ok();
  }));
  return found;
}

void pg::InsertAuditEntry(pqxx::dbtransaction& tx, const AuditEntry& entry, TimePoint now) {
  TimePoint at = entry.at == TimePoint{} ? now : entry.at;
  Exec(tx, "INSERT INTO audit_log (tenant_id, id, at, actor, action, detail) "
           "VALUES ($1, $2, to_timestamp($3), $4, $5, $6::jsonb)",
       Param(entry.tenant_id), Param(entry.id.empty() ? NewId() : entry.id), Param(ToUnixSeconds(at)),
       Param(entry.actor), Param(entry.action), Param(entry.detail.empty() ? std::string("{}") : entry.detail));
}

Status PostgresDatabase::AppendAudit(const AuditEntry& entry) {
  return Transact(entry.tenant_id, [&](pqxx::dbtransaction& tx) {
    InsertAuditEntry(tx, entry, clock_.Now());
    return Status::Ok();
  });
}

Result<Page<AuditEntry>> PostgresDatabase::ListAudit(const std::string& tenant_id, int limit, const std::string& cursor) {
  std::optional<std::string> after;
  if (!cursor.empty()) {
    ASSIGN_OR_RETURN(auto position, DecodeKeysetCursor(cursor));
    after = position.second;
  }
  Page<AuditEntry> page;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT id, extract(epoch from at), actor, action, detail::text FROM audit_log "
                         "WHERE tenant_id = $1 AND ($2::text IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
                     Param(tenant_id), Param::Optional(after), Param(FetchLimit(limit)));
    for (const auto& row : rows) {
      page.items.push_back(AuditEntry{tenant_id, Text(row[0]), FromUnixSeconds(Number(row[1])), Text(row[2]),
                                      Text(row[3]), Text(row[4])});
    }
    return Status::Ok();
  }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor("audit", last.id); });
}

Result<std::vector<Recording>> PostgresDatabase::ListFinishedCapturedBefore(const std::string& tenant_id,
                                                                            TimePoint cutoff, bool with_audio_only,
                                                                            int limit) {
  std::vector<Recording> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kRecordingColumns +
                             " FROM recordings WHERE tenant_id = $1 AND status IN ('transcribed', 'failed') "
                             "AND captured_at < to_timestamp($2) AND (NOT $3::boolean OR coalesce(audio_path, '') != '') "
                             "ORDER BY captured_at, id LIMIT $4",
                     Param(tenant_id), Param(ToUnixSeconds(cutoff)),
                     Param(std::string(with_audio_only ? "true" : "false")), Param(static_cast<int64_t>(limit)));
    for (const auto& row : rows) found.push_back(ReadRecording(Row(row)));
    return Status::Ok();
  }));
  return found;
}

Status PostgresDatabase::ForgetAudio(const std::string& tenant_id, const std::string& recording_id) {
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "UPDATE recordings SET audio_path = NULL, updated_at = to_timestamp($1) WHERE tenant_id = $2 AND id = $3",
         Param(ToUnixSeconds(clock_.Now())), Param(tenant_id), Param(recording_id));
    return Status::Ok();
  });
}

Status PostgresDatabase::DeleteRecording(const std::string& tenant_id, const std::string& recording_id) {
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    for (const char* sql : {// What was understood from an episode that loses segments is understood again.
                            "DELETE FROM insights WHERE tenant_id = $1 AND scope = 'episode' AND episode_id IN "
                            "(SELECT episode_id FROM segments WHERE tenant_id = $1 AND recording_id = $2)",
                            "UPDATE episodes SET enriched_at = NULL WHERE tenant_id = $1 AND id IN "
                            "(SELECT episode_id FROM segments WHERE tenant_id = $1 AND recording_id = $2)",
                            "DELETE FROM segments WHERE tenant_id = $1 AND recording_id = $2",
                            "DELETE FROM jobs WHERE tenant_id = $1 AND recording_id = $2",
                            "DELETE FROM recordings WHERE tenant_id = $1 AND id = $2"}) {
      Exec(tx, sql, Param(tenant_id), Param(recording_id));
    }
    // Episodes keep counting only what is left; an emptied one goes.
    Exec(tx, "UPDATE episodes SET segments = (SELECT count(*) FROM segments s WHERE s.episode_id = episodes.id) "
             "WHERE tenant_id = $1", Param(tenant_id));
    Exec(tx, "DELETE FROM episodes WHERE tenant_id = $1 AND segments = 0", Param(tenant_id));
    return Status::Ok();
  });
}

Status PostgresDatabase::EraseTenantData(const std::string& tenant_id) {
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    // The data key goes last, in the same transaction: nothing it protected outlives it here.
    for (const char* table :
         {"digest_deliveries", "digests", "insights", "segments", "episodes", "jobs", "recordings", "usage_daily", "tenant_settings", "tenant_keys"}) {
      Exec(tx, std::string("DELETE FROM ") + table + " WHERE tenant_id = $1", Param(tenant_id));
    }
    return Status::Ok();
  });
}

}  // namespace reflexio
