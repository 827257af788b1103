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

namespace reflexio {

struct Migration {
  int version = 0;
  std::string name;  // file name, e.g. "0001_init.sql"
  std::string sql;
  std::string checksum;  // SHA-256 hex of sql
};

std::vector<Migration> EmbeddedSqliteMigrations();
std::vector<Migration> EmbeddedPostgresMigrations();
Result<std::vector<Migration>> LoadMigrationsFromDirectory(const std::string& dir);

struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
};

// The database side of migrating: a ledger table (schema_migrations) and a way to run one
// migration together with its ledger row in a single transaction.
class MigrationTarget {
 public:
  virtual ~MigrationTarget() = default;
  virtual Status EnsureLedger() = 0;
  virtual Result<std::vector<AppliedMigration>> Applied() = 0;
  virtual Status Apply(const Migration& migration) = 0;
};

struct MigrationReport {
  std::vector<std::string> applied;  // names applied by this call
  int already_applied = 0;
};

Result<MigrationReport> ApplyMigrations(MigrationTarget& db, const std::vector<Migration>& migrations);
Status VerifyMigrations(MigrationTarget& db, const std::vector<Migration>& migrations);

}  // namespace reflexio
