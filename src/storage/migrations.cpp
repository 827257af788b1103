#include "storage/migrations.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

#include "core/file_util.h"
#include "crypto/digest.h"

namespace reflexio {

namespace {
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

Result<MigrationReport> ApplyMigrations(MigrationTarget& db, const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(db.EnsureLedger());
  ASSIGN_OR_RETURN(auto applied_list, db.Applied());
  std::map<int, std::string> applied;
  for (const auto& a : applied_list) applied[a.version] = a.checksum;
  MigrationReport report;
  for (const auto& m : migrations) {
    if (applied.count(m.version)) {
      ++report.already_applied;
      continue;
    }
    Status s = db.Apply(m);
    if (!s.ok()) return s.WithContext("migration " + m.name);
    report.applied.push_back(m.name);
  }
  return report;
}

Status VerifyMigrations(MigrationTarget& db, const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(db.EnsureLedger());
  std::map<int, const Migration*> known;
  for (const auto& m : migrations) known[m.version] = &m;
  ASSIGN_OR_RETURN(auto applied, db.Applied());
  std::vector<std::string> problems;
  for (const auto& a : applied) {
    auto it = known.find(a.version);
    if (it == known.end()) {
      problems.push_back(a.name + " was applied but no longer exists");
    } else if (it->second->checksum != a.checksum) {
      problems.push_back(a.name + " was changed after it was applied (checksum differs)");
    }
  }
  if (applied.size() < migrations.size()) {
    problems.push_back(std::to_string(migrations.size() - applied.size()) + " migration(s) not yet applied");
  }
  if (problems.empty()) return Status::Ok();
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
  return Status(ErrorCode::kConflict, "migrations_differ", message);
}

}  // namespace reflexio
