// Numbered SQL migrations (0001_init.sql, 0002_indexes.sql, …) with recorded checksums.
//
// The migrations of migrations/sqlite/ are compiled into the binary, so a deployed server
// needs no source tree; a directory can be given instead (tests, operators checking a change).
// Apply() runs each pending file in its own transaction and records its SHA-256; Verify()
// fails when an applied file's text changed or an applied version is missing. Not thread-safe:
// run from one place at start-up.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "storage/sqlite.h"

namespace reflexio {

struct Migration {
  int version = 0;
  std::string name;  // file name, e.g. "0001_init.sql"
  std::string sql;
  std::string checksum;  // SHA-256 hex of sql
};

std::vector<Migration> EmbeddedSqliteMigrations();
Result<std::vector<Migration>> LoadMigrationsFromDirectory(const std::string& dir);

struct MigrationReport {
  std::vector<std::string> applied;  // names applied by this call
  int already_applied = 0;
};

Result<MigrationReport> ApplyMigrations(SqliteConnection& db, const std::vector<Migration>& migrations);
Status VerifyMigrations(SqliteConnection& db, const std::vector<Migration>& migrations);

}  // namespace reflexio
