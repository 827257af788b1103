// The SQLite backend's digests. Part of SqliteDatabase; split from sqlite_database.cpp by
// responsibility.
#include <algorithm>

#include "storage/codecs.h"
#include "storage/cursor.h"
#include "storage/paging.h"
#include "storage/sqlite_database.h"
#include "storage/sqlite_rows.h"

namespace reflexio {

using namespace sqlite_rows;  // NOLINT: the backend's own helpers

namespace {
}  // namespace

Result<std::optional<Digest>> SqliteDatabase::GetDigest(const std::string& tenant_id, const std::string& date) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT tenant_id, date, status, inputs_hash, error, updated_at, content_json, "
                                           "markdown, pdf FROM digests WHERE tenant_id = ? AND date = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, date);
  return ReadOne(stmt, [](const SqliteRow& row) { return ReadDigest(row, true); });
}

Result<DigestInputs> SqliteDatabase::GetDigestInputs(const std::string& tenant_id, const std::string& date,
                                                    const TimeRange& day) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT * FROM "
      "(SELECT count(*), 0, max(updated_at) FROM recordings WHERE tenant_id = ?1 AND captured_at >= ?2 "
      "AND captured_at < ?3), "
      "(SELECT count(*), 0, max(updated_at) FROM insights WHERE tenant_id = ?1 AND scope = 'episode' AND at >= ?2 "
      "AND at < ?3), "
      "(SELECT count(*), 0, max(updated_at) FROM insights WHERE tenant_id = ?1 AND scope = 'episode' "
      "AND kind = 'action' AND (due_date = ?4 OR updated_at >= ?2)), "
      "(SELECT count(*), 0, max(updated_at) FROM insights WHERE tenant_id = ?1 AND scope = 'core' AND updated_at >= ?2), "
      "(SELECT count(*), coalesce(sum(segments), 0), max(max(updated_at), coalesce(max(enriched_at), '')) "
      "FROM episodes WHERE tenant_id = ?1 AND ended_at >= ?2 AND started_at < ?3)"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, FormatRfc3339(*day.from));
  stmt.Bind(3, FormatRfc3339(*day.to));
  stmt.Bind(4, date);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Internal("the digest inputs query returned no row");
  return ReadDigestInputs(SqliteRow(stmt));
}

Result<bool> SqliteDatabase::ClaimDigestBuild(const std::string& tenant_id, const std::string& date,
                                              TimePoint lease_until) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO digests (tenant_id, date, status, lease_until, updated_at) VALUES (?1, ?2, 'generating', ?3, ?4) "
      "ON CONFLICT (tenant_id, date) DO UPDATE SET status = 'generating', lease_until = ?3, updated_at = ?4 "
      "WHERE digests.status <> 'generating' OR digests.lease_until IS NULL OR digests.lease_until < ?4"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, date);
  stmt.Bind(3, FormatRfc3339(lease_until));
  stmt.Bind(4, FormatRfc3339(clock_.Now()));
  RETURN_IF_ERROR(stmt.Run());
  return db_->Changes() == 1;
}

Status SqliteDatabase::StoreDigest(const Digest& d) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO digests (tenant_id, date, status, inputs_hash, content_json, markdown, pdf, error, lease_until, "
      "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9) ON CONFLICT (tenant_id, date) DO UPDATE SET "
      "status = ?3, inputs_hash = ?4, content_json = ?5, markdown = ?6, pdf = ?7, error = ?8, lease_until = NULL, "
      "updated_at = ?9"));
  stmt.Bind(1, d.tenant_id);
  stmt.Bind(2, d.date);
  stmt.Bind(3, ToString(d.status));
  stmt.Bind(4, d.inputs_hash);
  stmt.Bind(5, d.content_json);
  stmt.Bind(6, d.markdown);
  stmt.Bind(7, d.pdf);
  stmt.Bind(8, d.error);
  stmt.Bind(9, FormatRfc3339(clock_.Now()));
  return stmt.Run();
}

Result<Page<Digest>> SqliteDatabase::ListDigests(const std::string& tenant_id, const std::string& from,
                                                 const std::string& to, int limit, const std::string& cursor) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT tenant_id, date, status, inputs_hash, error, updated_at FROM digests WHERE tenant_id = ?1 "
      "AND (?2 = '' OR date >= ?2) AND (?3 = '' OR date <= ?3) AND (?4 = '' OR date < ?4) "
      "ORDER BY date DESC LIMIT ?5"));
  std::string after;
  if (!cursor.empty()) {
    ASSIGN_OR_RETURN(auto position, DecodeKeysetCursor(cursor));
    after = position.first;
  }
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, from);
  stmt.Bind(3, to);
  stmt.Bind(4, after);
  stmt.Bind(5, FetchLimit(limit));
  Page<Digest> page;
  ASSIGN_OR_RETURN(page.items, ReadRows(stmt, [](const SqliteRow& row) { return ReadDigest(row, false); }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor(last.date, last.date); });
}

Status SqliteDatabase::DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) {
  return Transact(tenant_id, [&](SqliteConnection& db) -> Status {
    for (const char* table : {"digests", "digest_deliveries"}) {
      ASSIGN_OR_RETURN(auto stmt, db.Prepare(std::string("DELETE FROM ") + table + " WHERE tenant_id = ? AND date < ?"));
      stmt.Bind(1, tenant_id);
      stmt.Bind(2, date);
      RETURN_IF_ERROR(stmt.Run());
    }
    return Status::Ok();
  });
}

namespace {
constexpr const char* kDeliveryColumns =
    "tenant_id, date, origin, state, chat_id, messages, steps_done, message_ids, attempts, next_attempt_at, "
    "lease_until, last_error, created_at, updated_at, with_document";


std::optional<std::string> StoredTimeOrNull(const std::optional<TimePoint>& t) {
  return t ? std::optional<std::string>(FormatRfc3339(*t)) : std::nullopt;
}
}  // namespace

Result<bool> SqliteDatabase::AddDelivery(const DigestDelivery& d, bool replace) {
  MutexLock lock(mutex_);
  std::string now = FormatRfc3339(clock_.Now());
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO digest_deliveries (tenant_id, date, origin, state, chat_id, messages, steps_done, message_ids, "
      "attempts, next_attempt_at, lease_until, last_error, created_at, updated_at, with_document) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, '[]', 0, ?7, NULL, ?8, ?9, ?9, ?11) "
      "ON CONFLICT (tenant_id, date, origin) DO UPDATE SET state = ?4, chat_id = ?5, messages = ?6, steps_done = 0, "
      "with_document = ?11, "
      "message_ids = '[]', attempts = 0, next_attempt_at = ?7, lease_until = NULL, last_error = ?8, created_at = ?9, "
      "updated_at = ?9 WHERE ?10 = 1 AND (digest_deliveries.lease_until IS NULL OR digest_deliveries.lease_until < ?9)"));
  stmt.Bind(1, d.tenant_id);
  stmt.Bind(2, d.date);
  stmt.Bind(3, ToString(d.origin));
  stmt.Bind(4, ToString(d.state));
  stmt.Bind(5, d.chat_id);
  stmt.Bind(6, StringsToJson(d.messages));
  stmt.Bind(7, FormatRfc3339(d.next_attempt_at));
  stmt.Bind(8, d.last_error);
  stmt.Bind(9, now);
  stmt.Bind(10, static_cast<int64_t>(replace ? 1 : 0));
  stmt.Bind(11, static_cast<int64_t>(d.with_document ? 1 : 0));
  RETURN_IF_ERROR(stmt.Run());
  return db_->Changes() == 1;
}

Result<std::optional<DigestDelivery>> SqliteDatabase::GetDelivery(const std::string& tenant_id, const std::string& date,
                                                                  DeliveryOrigin origin) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kDeliveryColumns +
                                           " FROM digest_deliveries WHERE tenant_id = ? AND date = ? AND origin = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, date);
  stmt.Bind(3, ToString(origin));
  return ReadOne(stmt, [](const SqliteRow& row) { return ReadDelivery(row); });
}

Result<std::vector<DigestDelivery>> SqliteDatabase::ListDeliveries(const std::string& tenant_id,
                                                                   const std::string& date) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kDeliveryColumns +
                                           " FROM digest_deliveries WHERE tenant_id = ? AND date = ? ORDER BY origin"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, date);
  return ReadRows(stmt, [](const SqliteRow& row) { return ReadDelivery(row); });
}

Result<std::vector<DigestDelivery>> SqliteDatabase::ClaimDeliveries(const std::string& tenant_id,
                                                                    const std::optional<DeliveryKey>& only,
                                                                    TimePoint lease_until, int limit) {
  std::string now = FormatRfc3339(clock_.Now());
  // Immediate: another process on this file (an operator's command beside the server) claims
  // after this one has written its lease, never between the read and the write.
  using Claimed = std::vector<DigestDelivery>;
  return Transact<Claimed>(tenant_id, [&](SqliteConnection& db) -> Result<Claimed> {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare(
        std::string("UPDATE digest_deliveries SET lease_until = ?1 WHERE rowid IN (SELECT rowid FROM digest_deliveries "
                    "WHERE tenant_id = ?2 AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?3) AND "
                    "(?4 = '' OR (date = ?4 AND origin = ?5)) AND (?4 <> '' OR next_attempt_at <= ?3) "
                    "ORDER BY next_attempt_at, date LIMIT ?6) RETURNING ") + kDeliveryColumns));
    stmt.Bind(1, FormatRfc3339(lease_until));
    stmt.Bind(2, tenant_id);
    stmt.Bind(3, now);
    stmt.Bind(4, only ? only->date : "");
    stmt.Bind(5, only ? ToString(only->origin) : "");
    stmt.Bind(6, static_cast<int64_t>(limit));
    return ReadRows(stmt, [](const SqliteRow& row) { return ReadDelivery(row); });
  });
}

Status SqliteDatabase::UpdateDelivery(const DigestDelivery& d) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "UPDATE digest_deliveries SET state = ?4, steps_done = ?5, message_ids = ?6, attempts = ?7, "
      "next_attempt_at = ?8, lease_until = ?9, last_error = ?10, updated_at = ?11 "
      "WHERE tenant_id = ?1 AND date = ?2 AND origin = ?3"));
  stmt.Bind(1, d.tenant_id);
  stmt.Bind(2, d.date);
  stmt.Bind(3, ToString(d.origin));
  stmt.Bind(4, ToString(d.state));
  stmt.Bind(5, static_cast<int64_t>(d.steps_done));
  stmt.Bind(6, StringsToJson(d.message_ids));
  stmt.Bind(7, static_cast<int64_t>(d.attempts));
  stmt.Bind(8, FormatRfc3339(d.next_attempt_at));
  stmt.Bind(9, StoredTimeOrNull(d.lease_until));
  stmt.Bind(10, d.last_error);
  stmt.Bind(11, FormatRfc3339(clock_.Now()));
  RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() != 1) return NotFound("no delivery of " + d.date + " (" + ToString(d.origin) + ") to update");
  return Status::Ok();
}

Result<DeliveryStats> SqliteDatabase::GetDeliveryStats(TimePoint failed_since) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT count(*) FILTER (WHERE state = 'pending'), "
      "count(*) FILTER (WHERE state = 'failed' AND updated_at >= ?1), "
      "min(created_at) FILTER (WHERE state = 'pending') FROM digest_deliveries WHERE state IN ('pending', 'failed')"));
  stmt.Bind(1, FormatRfc3339(failed_since));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  DeliveryStats stats;
  if (!row) return stats;
  stats.pending = stmt.ColumnInt(0);
  stats.failed = stmt.ColumnInt(1);
  if (!stmt.ColumnIsNull(2)) {
    stats.oldest_pending_age_s = std::max(0.0, ToUnixSeconds(clock_.Now()) - ToUnixSeconds(ParseStoredTime(stmt.ColumnText(2))));
  }
  return stats;
}

}  // namespace reflexio
