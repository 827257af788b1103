// The SQLite backend's digests. Part of SqliteDatabase; split from sqlite_database.cpp by
// responsibility.
#include "storage/cursor.h"
#include "storage/sqlite_database.h"
#include "storage/sqlite_rows.h"

namespace reflexio {

using namespace sqlite_rows;  // NOLINT: the backend's own helpers

namespace {
Digest ReadDigest(const SqliteStatement& s, bool with_contents) {
  Digest d;
  d.tenant_id = s.ColumnText(0);
  d.date = s.ColumnText(1);
  d.status = s.ColumnText(2);
  d.inputs_hash = s.ColumnText(3);
  d.error = s.ColumnText(4);
  d.updated_at = ParseStoredTime(s.ColumnText(5));
  if (with_contents) {
    d.content_json = s.ColumnText(6);
    d.markdown = s.ColumnText(7);
    d.pdf = s.ColumnText(8);
  }
  return d;
}
}  // namespace

Result<std::optional<Digest>> SqliteDatabase::GetDigest(const std::string& tenant_id, const std::string& date) {
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT tenant_id, date, status, inputs_hash, error, updated_at, content_json, "
                                           "markdown, pdf FROM digests WHERE tenant_id = ? AND date = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, date);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Digest>();
  return std::optional<Digest>(ReadDigest(stmt, true));
}

Result<bool> SqliteDatabase::ClaimDigestBuild(const std::string& tenant_id, const std::string& date,
                                              TimePoint lease_until) {
  std::lock_guard lock(mutex_);
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
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO digests (tenant_id, date, status, inputs_hash, content_json, markdown, pdf, error, lease_until, "
      "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9) ON CONFLICT (tenant_id, date) DO UPDATE SET "
      "status = ?3, inputs_hash = ?4, content_json = ?5, markdown = ?6, pdf = ?7, error = ?8, lease_until = NULL, "
      "updated_at = ?9"));
  stmt.Bind(1, d.tenant_id);
  stmt.Bind(2, d.date);
  stmt.Bind(3, d.status);
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
  std::lock_guard lock(mutex_);
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
  stmt.Bind(5, static_cast<int64_t>(limit + 1));
  Page<Digest> page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    page.items.push_back(ReadDigest(stmt, false));
  }
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.pop_back();
    page.next_cursor = EncodeKeysetCursor(page.items.back().date, page.items.back().date);
  }
  return page;
}

Status SqliteDatabase::DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) {
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("DELETE FROM digests WHERE tenant_id = ? AND date < ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, date);
  return stmt.Run();
}

}  // namespace reflexio
