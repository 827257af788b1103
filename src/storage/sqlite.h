// A thin RAII layer over the SQLite C API: connections, prepared statements, transactions.
//
// Every failure becomes a Status naming the SQL error. A SqliteConnection is not thread-safe by
// itself; SqliteDatabase serialises access with its own mutex. Connections open in WAL mode with
// a busy timeout, so the CLI (`reflexio keys create`) and a running server can share a file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "storage/migrations.h"

namespace reflexio {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt, sqlite3_finalize) {}
  void Bind(int index, const std::string& value);
  void Bind(int index, const char* value) { Bind(index, std::string(value)); }
  void Bind(int index, int64_t value);
  void Bind(int index, double value);
  void BindNull(int index);
  void Bind(int index, const std::optional<std::string>& value);
  // Makes the statement ready to run again; its bindings stay.
  void Reset() { sqlite3_reset(stmt_.get()); }
  // Step(): true while a row is available.
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();
  int64_t ColumnInt(int index) const;
  double ColumnDouble(int index) const;
  std::string ColumnText(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_;
};

class SqliteConnection;

// Rolls back unless Commit() was called.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection* db) : db_(db) {}
  SqliteTransaction(SqliteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteTransaction(const SqliteTransaction&) = delete;
  ~SqliteTransaction();
  Status Commit();

 private:
  SqliteConnection* db_;
};

class SqliteConnection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path);
  ~SqliteConnection();

  Status Execute(const std::string& sql);
  Result<SqliteStatement> Prepare(const std::string& sql);
  // BEGIN IMMEDIATE: takes the write lock now, so the transaction cannot fail later on upgrade.
  Result<SqliteTransaction> BeginImmediate();
  int64_t Changes() const { return sqlite3_changes64(db_); }
  Status Error(const std::string& what) const;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

class SqliteMigrationTarget : public MigrationTarget {
 public:
  explicit SqliteMigrationTarget(SqliteConnection& db) : db_(db) {}
  Status EnsureLedger() override;
  Result<std::vector<AppliedMigration>> Applied() override;
  Status Apply(const Migration& migration) override;

 private:
  SqliteConnection& db_;
};

}  // namespace reflexio
