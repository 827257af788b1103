// The PostgreSQL backend's API keys as a person manages them, sign-in links and browser sessions.
// Part of PostgresDatabase; split from postgres_database.cpp by responsibility. A link is spent, and a session found, before the
// tenant is known: those transactions present the secret's hash (app.link_hash,
// app.session_hash), which the tables' policies admit, as an API key's lookup does.
#include "storage/postgres_database.h"
#include "storage/postgres_rows.h"

namespace reflexio {

using namespace pg;  // NOLINT: the backend's own helpers

namespace {

const char* kSessionColumns =
    "tenant_id, id, device, extract(epoch from created_at), extract(epoch from last_seen_at), "
    "extract(epoch from expires_at)";

void InsertSession(pqxx::dbtransaction& tx, const BrowserSession& s, const std::string& token_hash) {
  Exec(tx,
       "INSERT INTO browser_sessions (tenant_id, id, token_hash, device, created_at, last_seen_at, expires_at) "
       "VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6), to_timestamp($7))",
       Param(s.tenant_id), Param(s.id), Param(token_hash), Param(s.device), Param(ToUnixSeconds(s.created_at)),
       Param(ToUnixSeconds(s.last_seen_at)), Param(ToUnixSeconds(s.expires_at)));
}

}  // namespace

Result<std::vector<ApiKeyRecord>> PostgresDatabase::ListApiKeys(const std::string& tenant_id) {
  std::vector<ApiKeyRecord> keys;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx,
                     "SELECT tenant_id, id, prefix, extract(epoch from created_at), extract(epoch from revoked_at) "
                     "FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC",
                     Param(tenant_id));
    for (const auto& row : rows) keys.push_back(ReadApiKey(Row(row)));
    return Status::Ok();
  }));
  return keys;
}

Result<bool> PostgresDatabase::RevokeApiKey(const std::string& tenant_id, const std::string& key_id, TimePoint at) {
  bool revoked = false;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto result = Exec(tx,
                       "UPDATE api_keys SET revoked_at = to_timestamp($3) WHERE tenant_id = $1 AND id = $2 "
                       "AND revoked_at IS NULL",
                       Param(tenant_id), Param(key_id), Param(ToUnixSeconds(at)));
    revoked = result.affected_rows() == 1;
    return Status::Ok();
  }));
  return revoked;
}

Status PostgresDatabase::AddSignInLink(const std::string& tenant_id, const std::string& link_hash,
                                       TimePoint created_at, TimePoint expires_at) {
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx,
         "INSERT INTO sign_in_links (tenant_id, link_hash, created_at, expires_at) "
         "VALUES ($1, $2, to_timestamp($3), to_timestamp($4))",
         Param(tenant_id), Param(link_hash), Param(ToUnixSeconds(created_at)), Param(ToUnixSeconds(expires_at)));
    return Status::Ok();
  });
}

Result<std::optional<BrowserSession>> PostgresDatabase::StartSessionWithLink(const std::string& link_hash,
                                                                             BrowserSession session,
                                                                             const std::string& token_hash) {
  std::optional<BrowserSession> started;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    tx.exec_params("SELECT set_config('app.link_hash', $1, true)", link_hash);
    auto spent = Exec(tx,
                      "UPDATE sign_in_links SET used_at = to_timestamp($2) WHERE link_hash = $1 AND used_at IS NULL "
                      "AND expires_at > to_timestamp($2) RETURNING tenant_id",
                      Param(link_hash), Param(ToUnixSeconds(session.created_at)));
    if (spent.empty()) return Status::Ok();
    session.tenant_id = Text(spent[0][0]);
    tx.exec_params("SELECT set_config('app.tenant_id', $1, true)", session.tenant_id);
    InsertSession(tx, session, token_hash);
    started = session;
    return Status::Ok();
  }));
  return started;
}

Status PostgresDatabase::StartSession(const BrowserSession& session, const std::string& token_hash) {
  return Transact(session.tenant_id, [&](pqxx::dbtransaction& tx) {
    InsertSession(tx, session, token_hash);
    return Status::Ok();
  });
}

Result<std::optional<BrowserSession>> PostgresDatabase::SessionForTokenHash(const std::string& token_hash,
                                                                            TimePoint now) {
  std::optional<BrowserSession> found;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    tx.exec_params("SELECT set_config('app.session_hash', $1, true)", token_hash);
    auto rows = Exec(tx,
                     std::string("SELECT ") + kSessionColumns +
                         " FROM browser_sessions WHERE token_hash = $1 AND ended_at IS NULL "
                         "AND expires_at > to_timestamp($2)",
                     Param(token_hash), Param(ToUnixSeconds(now)));
    if (!rows.empty()) found = ReadBrowserSession(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Status PostgresDatabase::TouchSession(const std::string& tenant_id, const std::string& session_id, TimePoint seen_at) {
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "UPDATE browser_sessions SET last_seen_at = to_timestamp($3) WHERE tenant_id = $1 AND id = $2",
         Param(tenant_id), Param(session_id), Param(ToUnixSeconds(seen_at)));
    return Status::Ok();
  });
}

Result<std::vector<BrowserSession>> PostgresDatabase::ListSessions(const std::string& tenant_id, TimePoint now) {
  std::vector<BrowserSession> live;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx,
                     std::string("SELECT ") + kSessionColumns +
                         " FROM browser_sessions WHERE tenant_id = $1 AND ended_at IS NULL AND expires_at > "
                         "to_timestamp($2) ORDER BY last_seen_at DESC, id DESC",
                     Param(tenant_id), Param(ToUnixSeconds(now)));
    for (const auto& row : rows) live.push_back(ReadBrowserSession(Row(row)));
    return Status::Ok();
  }));
  return live;
}

Result<bool> PostgresDatabase::EndSession(const std::string& tenant_id, const std::string& session_id, TimePoint now) {
  bool ended = false;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto result = Exec(tx,
                       "UPDATE browser_sessions SET ended_at = to_timestamp($3) WHERE tenant_id = $1 AND id = $2 "
                       "AND ended_at IS NULL AND expires_at > to_timestamp($3)",
                       Param(tenant_id), Param(session_id), Param(ToUnixSeconds(now)));
    ended = result.affected_rows() == 1;
    return Status::Ok();
  }));
  return ended;
}

}  // namespace reflexio
