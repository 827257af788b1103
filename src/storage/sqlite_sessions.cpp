// The SQLite backend's API keys as a person manages them, sign-in links and browser sessions.
// Part of SqliteDatabase; split from sqlite_database.cpp by responsibility. Times are stored as
// RFC 3339 text (fixed width, so they compare as text).
#include "storage/row_mappers.h"
#include "storage/sqlite_database.h"
#include "storage/sqlite_rows.h"

namespace reflexio {

using namespace sqlite_rows;  // NOLINT: the backend's own helpers

namespace {

constexpr const char* kSessionColumns = "tenant_id, id, device, created_at, last_seen_at, expires_at";

Status InsertSession(SqliteConnection& db, const BrowserSession& s, const std::string& token_hash) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(
      "INSERT INTO browser_sessions (tenant_id, id, token_hash, device, created_at, last_seen_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  stmt.Bind(1, s.tenant_id);
  stmt.Bind(2, s.id);
  stmt.Bind(3, token_hash);
  stmt.Bind(4, s.device);
  stmt.Bind(5, FormatRfc3339(s.created_at));
  stmt.Bind(6, FormatRfc3339(s.last_seen_at));
  stmt.Bind(7, FormatRfc3339(s.expires_at));
  return stmt.Run();
}

}  // namespace

Result<std::vector<ApiKeyRecord>> SqliteDatabase::ListApiKeys(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT tenant_id, id, prefix, created_at, revoked_at FROM api_keys "
                                           "WHERE tenant_id = ? ORDER BY created_at DESC, id DESC"));
  stmt.Bind(1, tenant_id);
  return ReadRows(stmt, [](const SqliteRow& row) { return ReadApiKey(row); });
}

Result<bool> SqliteDatabase::RevokeApiKey(const std::string& tenant_id, const std::string& key_id, TimePoint at) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL"));
  stmt.Bind(1, FormatRfc3339(at));
  stmt.Bind(2, tenant_id);
  stmt.Bind(3, key_id);
  RETURN_IF_ERROR(stmt.Run());
  return db_->Changes() == 1;
}

Status SqliteDatabase::AddSignInLink(const std::string& tenant_id, const std::string& link_hash,
                                     TimePoint created_at, TimePoint expires_at) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO sign_in_links (tenant_id, link_hash, created_at, expires_at) VALUES (?, ?, ?, ?)"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, link_hash);
  stmt.Bind(3, FormatRfc3339(created_at));
  stmt.Bind(4, FormatRfc3339(expires_at));
  return stmt.Run();
}

Result<std::optional<BrowserSession>> SqliteDatabase::StartSessionWithLink(const std::string& link_hash,
                                                                           BrowserSession session,
                                                                           const std::string& token_hash) {
  using Started = std::optional<BrowserSession>;
  return Transact<Started>("", [&](SqliteConnection& db) -> Result<Started> {
    ASSIGN_OR_RETURN(auto find, db.Prepare(
        "SELECT tenant_id FROM sign_in_links WHERE link_hash = ? AND used_at IS NULL AND expires_at > ?"));
    find.Bind(1, link_hash);
    find.Bind(2, FormatRfc3339(session.created_at));
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) return Started();
    session.tenant_id = find.ColumnText(0);
    ASSIGN_OR_RETURN(auto spend, db.Prepare("UPDATE sign_in_links SET used_at = ? WHERE link_hash = ?"));
    spend.Bind(1, FormatRfc3339(session.created_at));
    spend.Bind(2, link_hash);
    RETURN_IF_ERROR(spend.Run());
    RETURN_IF_ERROR(InsertSession(db, session, token_hash));
    return Started(session);
  });
}

Status SqliteDatabase::StartSession(const BrowserSession& session, const std::string& token_hash) {
  MutexLock lock(mutex_);
  return InsertSession(*db_, session, token_hash);
}

Result<std::optional<BrowserSession>> SqliteDatabase::SessionForTokenHash(const std::string& token_hash,
                                                                          TimePoint now) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kSessionColumns +
                                           " FROM browser_sessions WHERE token_hash = ? AND ended_at IS NULL "
                                           "AND expires_at > ?"));
  stmt.Bind(1, token_hash);
  stmt.Bind(2, FormatRfc3339(now));
  return ReadOne(stmt, [](const SqliteRow& row) { return ReadBrowserSession(row); });
}

Status SqliteDatabase::TouchSession(const std::string& tenant_id, const std::string& session_id, TimePoint seen_at) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("UPDATE browser_sessions SET last_seen_at = ? WHERE tenant_id = ? AND id = ?"));
  stmt.Bind(1, FormatRfc3339(seen_at));
  stmt.Bind(2, tenant_id);
  stmt.Bind(3, session_id);
  return stmt.Run();
}

Result<std::vector<BrowserSession>> SqliteDatabase::ListSessions(const std::string& tenant_id, TimePoint now) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kSessionColumns +
                                           " FROM browser_sessions WHERE tenant_id = ? AND ended_at IS NULL "
                                           "AND expires_at > ? ORDER BY last_seen_at DESC, id DESC"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, FormatRfc3339(now));
  return ReadRows(stmt, [](const SqliteRow& row) { return ReadBrowserSession(row); });
}

Result<bool> SqliteDatabase::EndSession(const std::string& tenant_id, const std::string& session_id, TimePoint now) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "UPDATE browser_sessions SET ended_at = ? WHERE tenant_id = ? AND id = ? AND ended_at IS NULL AND expires_at > ?"));
  stmt.Bind(1, FormatRfc3339(now));
  stmt.Bind(2, tenant_id);
  stmt.Bind(3, session_id);
  stmt.Bind(4, FormatRfc3339(now));
  RETURN_IF_ERROR(stmt.Run());
  return db_->Changes() == 1;
}

}  // namespace reflexio
