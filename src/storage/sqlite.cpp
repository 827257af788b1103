#include "storage/sqlite.h"

#include "core/time.h"

namespace reflexio {

void SqliteStatement::Bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
void SqliteStatement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_.get(), index, value); }
void SqliteStatement::Bind(int index, double value) { sqlite3_bind_double(stmt_.get(), index, value); }
void SqliteStatement::BindNull(int index) { sqlite3_bind_null(stmt_.get(), index); }
void SqliteStatement::Bind(int index, const std::optional<std::string>& value) {
  if (value) Bind(index, *value);
  else BindNull(index);
}

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  if (rc == SQLITE_CONSTRAINT) {
    return Status(ErrorCode::kConflict, "constraint_violation", sqlite3_errmsg(db_));
  }
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    return Unavailable(std::string("database busy: ") + sqlite3_errmsg(db_), "database_busy");
  }
  return Internal(std::string("SQLite: ") + sqlite3_errmsg(db_), "database_error");
}

Status SqliteStatement::Run() {
  auto r = Step();
  return r.ok() ? Status::Ok() : r.status();
}

int64_t SqliteStatement::ColumnInt(int index) const { return sqlite3_column_int64(stmt_.get(), index); }
double SqliteStatement::ColumnDouble(int index) const { return sqlite3_column_double(stmt_.get(), index); }
std::string SqliteStatement::ColumnText(int index) const {
  auto text = sqlite3_column_text(stmt_.get(), index);
  return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_.get(), index)) : "";
}
bool SqliteStatement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL;
}

SqliteTransaction::~SqliteTransaction() {
  if (db_) (void)db_->Execute("ROLLBACK");
}

Status SqliteTransaction::Commit() {
  SqliteConnection* db = db_;
  db_ = nullptr;
  return db->Execute("COMMIT");
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<SqliteConnection> db(new SqliteConnection(raw));
  if (rc != SQLITE_OK) {
    return Unavailable("cannot open database " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"),
                       "database_unavailable");
  }
  sqlite3_busy_timeout(raw, 10000);
  // secure_delete: what retention and erasure remove is overwritten, not left in free pages.
  RETURN_IF_ERROR(db->Execute(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"));
  return db;
}

SqliteConnection::~SqliteConnection() { sqlite3_close_v2(db_); }

Status SqliteConnection::Error(const std::string& what) const {
  return Internal(what + ": " + sqlite3_errmsg(db_), "database_error");
}

Status SqliteConnection::Execute(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = error ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  if (rc == SQLITE_BUSY) return Unavailable("database busy: " + message, "database_busy");
  return Internal("SQLite: " + message, "database_error");
}

Result<SqliteStatement> SqliteConnection::Prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return Error("cannot prepare '" + sql.substr(0, 60) + "'");
  }
  return SqliteStatement(db_, stmt);
}

Result<SqliteTransaction> SqliteConnection::BeginImmediate() {
  RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
  return SqliteTransaction(this);
}

Status SqliteMigrationTarget::EnsureLedger() {
  return db_.Execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "checksum TEXT NOT NULL, applied_at TEXT NOT NULL)");
}

Result<std::vector<AppliedMigration>> SqliteMigrationTarget::Applied() {
  ASSIGN_OR_RETURN(auto stmt, db_.Prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version"));
  std::vector<AppliedMigration> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({static_cast<int>(stmt.ColumnInt(0)), stmt.ColumnText(1), stmt.ColumnText(2)});
  }
  return out;
}

Status SqliteMigrationTarget::Apply(const Migration& m) {
  ASSIGN_OR_RETURN(auto tx, db_.BeginImmediate());
  RETURN_IF_ERROR(db_.Execute(m.sql));
  ASSIGN_OR_RETURN(auto insert, db_.Prepare("INSERT INTO schema_migrations VALUES (?, ?, ?, ?)"));
  insert.Bind(1, static_cast<int64_t>(m.version));
  insert.Bind(2, m.name);
  insert.Bind(3, m.checksum);
  insert.Bind(4, FormatRfc3339(SystemClock::Instance().Now()));
  RETURN_IF_ERROR(insert.Run());
  return tx.Commit();
}

}  // namespace reflexio
