#include "storage/migrations.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

#include "core/file_util.h"
#include "core/time.h"
#include "crypto/digest.h"

namespace reflexio {

namespace {
constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "checksum TEXT NOT NULL, applied_at TEXT NOT NULL)";

Result<Migration> MakeMigration(const std::string& name, std::string sql) {
  static const std::regex kName(R"(^(\d{4})_[a-z0-9_]+\.sql$)");
  std::smatch match;
  if (!std::regex_match(name, match, kName)) {
    return InvalidArgument("migration file '" + name + "' must be named NNNN_description.sql",
                           "bad_migration_name");
  }
  Migration m;
  m.version = std::stoi(match[1]);
  m.name = name;
  m.checksum = Sha256Hex(sql);
  m.sql = std::move(sql);
  return m;
}
}  // namespace

Result<std::vector<Migration>> LoadMigrationsFromDirectory(const std::string& dir) {
  std::vector<Migration> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".sql") continue;
    ASSIGN_OR_RETURN(std::string sql, ReadWholeFile(entry.path()));
    ASSIGN_OR_RETURN(Migration m, MakeMigration(entry.path().filename().string(), std::move(sql)));
    out.push_back(std::move(m));
  }
  if (ec) return NotFound("cannot read migrations directory " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      return InvalidArgument("two migrations share version " + std::to_string(out[i].version), "bad_migration_name");
    }
  }
  return out;
}

Result<MigrationReport> ApplyMigrations(SqliteConnection& db, const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(db.Execute(kCreateTable));
  std::map<int, std::string> applied;
  {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT version, checksum FROM schema_migrations"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      applied[static_cast<int>(stmt.ColumnInt(0))] = stmt.ColumnText(1);
    }
  }
  MigrationReport report;
  for (const auto& m : migrations) {
    if (applied.count(m.version)) {
      ++report.already_applied;
      continue;
    }
    ASSIGN_OR_RETURN(auto tx, db.BeginImmediate());
    Status s = db.Execute(m.sql);
    if (!s.ok()) return s.WithContext("migration " + m.name);
    ASSIGN_OR_RETURN(auto insert, db.Prepare("INSERT INTO schema_migrations VALUES (?, ?, ?, ?)"));
    insert.Bind(1, static_cast<int64_t>(m.version));
    insert.Bind(2, m.name);
    insert.Bind(3, m.checksum);
    insert.Bind(4, FormatRfc3339(SystemClock::Instance().Now()));
    RETURN_IF_ERROR(insert.Run());
    RETURN_IF_ERROR(tx.Commit());
    report.applied.push_back(m.name);
  }
  return report;
}

Status VerifyMigrations(SqliteConnection& db, const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(db.Execute(kCreateTable));
  std::map<int, const Migration*> known;
  for (const auto& m : migrations) known[m.version] = &m;
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version"));
  std::vector<std::string> problems;
  int applied = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ++applied;
    int version = static_cast<int>(stmt.ColumnInt(0));
    std::string name = stmt.ColumnText(1);
    auto it = known.find(version);
    if (it == known.end()) {
      problems.push_back(name + " was applied but no longer exists");
    } else if (it->second->checksum != stmt.ColumnText(2)) {
      problems.push_back(name + " was changed after it was applied (checksum differs)");
    }
  }
  if (applied < static_cast<int>(migrations.size())) {
    problems.push_back(std::to_string(migrations.size() - applied) + " migration(s) not yet applied");
  }
  if (problems.empty()) return Status::Ok();
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
  return Status(ErrorCode::kConflict, "migrations_differ", message);
}

}  // namespace reflexio
