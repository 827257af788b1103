// SqliteDatabase: the embedded default Database — one file, WAL, FTS5 for search.
//
// All calls are serialised through one connection and a mutex: SQLite allows one writer at a
// time anyway, and every call here is short (no audio or ASR work happens under the lock).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/mutex.h"
#include "core/time.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/sqlite.h"

namespace reflexio {

class SqliteDatabase : public Database {
 public:
  // Opens (creating if needed) and brings the schema up to date with `migrations`.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                      const std::vector<Migration>& migrations,
                                                      const Clock& clock = SystemClock::Instance());

  // Every role of Database, as declared by the roles (storage/database.h):
#include "storage/backend_overrides.inc"

 private:
  SqliteDatabase(std::unique_ptr<SqliteConnection> db, const Clock& clock) : db_(std::move(db)), clock_(clock) {}

  // Runs `body` under the mutex in one BEGIN IMMEDIATE transaction, committed when it returns
  // Ok and rolled back otherwise — the shape of PostgresDatabase::Transact. `tenant` names
  // whose rows the body touches (empty: none or all); SQLite has no row-level security, so
  // every statement filters by tenant itself.
  using Body = std::function<Status(SqliteConnection&)>;
  Status Transact(const std::string& tenant, const Body& body) EXCLUDES(mutex_);
  // The same for a body that returns a value.
  template <typename T, typename Fn>
  Result<T> Transact(const std::string& tenant, Fn&& body) EXCLUDES(mutex_) {
    std::optional<T> out;
    RETURN_IF_ERROR(Transact(tenant, Body([&](SqliteConnection& db) -> Status {
      Result<T> value = body(db);
      if (!value.ok()) return value.status();
      out.emplace(std::move(value).value());
      return Status::Ok();
    })));
    return std::move(*out);
  }

  // One connection, so one statement at a time: every method holds the mutex while it uses it.
  Mutex mutex_;
  std::unique_ptr<SqliteConnection> db_ GUARDED_BY(mutex_);
  const Clock& clock_;
};

}  // namespace reflexio
