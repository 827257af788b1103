// `reflexio keys create` and `reflexio migrate`: operator tools on the data directory.
#include <iostream>

#include "app/flags.h"
#include "crypto/api_key.h"
#include "storage/migrations.h"
#include "storage/postgres_database.h"
#include "storage/sqlite.h"

namespace reflexio {

int KeysCommand(const Args& args) {
  const std::string usage =
      "usage: reflexio keys create --tenant NAME [--data-dir DIR]\n\n"
      "Creates the tenant if it does not exist and prints a new API key, alone on the last line.\n"
      "Only the key's SHA-256 is stored: it cannot be shown again.";
  if (args.empty() || args[0] != "create") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << usage << "\n";
      return 0;
    }
    return Fail("usage: reflexio keys create --tenant NAME (see reflexio keys create --help)", 2);
  }
  CommonFlags flags;
  std::string tenant_name;
  po::options_description options("options");
  options.add_options()("tenant", po::value(&tenant_name)->required()->value_name("NAME"), "tenant to create a key for");
  AddCommonFlags(options, flags, false);
  int exit_code = 0;
  auto vars = ParseFlags(Args(args.begin() + 1, args.end()), usage, options, nullptr, exit_code);
  if (!vars) return exit_code;
  if (tenant_name.empty() || tenant_name.size() > 100) return Fail("--tenant must be 1 to 100 characters", 2);
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto db = OpenDatabase(*config);
  if (!db.ok()) return Fail(db.status().message());
  auto tenant = (*db)->EnsureTenant(tenant_name);
  if (!tenant.ok()) return Fail(tenant.status().message());
  std::string key = GenerateApiKey();
  Status added = (*db)->AddApiKey(tenant->id, HashApiKey(key), ApiKeyDisplayPrefix(key));
  if (!added.ok()) return Fail(added.message());
  std::cout << "New API key for tenant \"" << tenant_name << "\" (" << tenant->id << "). It is shown only once:\n"
            << key << "\n";
  return 0;
}

int MigrateCommand(const Args& args) {
  CommonFlags flags;
  std::string migrations_dir;
  po::options_description options("options");
  options.add_options()
      ("verify", po::bool_switch(), "check, without changing anything, that every migration is applied and unchanged")
      ("database-url", po::value<std::string>()->value_name("URL"),
       "PostgreSQL to migrate, as its owner (DATABASE_URL); without it, the SQLite file in the data directory")
      ("migrations-dir", po::value(&migrations_dir)->value_name("DIR"),
       "read migrations from DIR instead of the copies built into this binary");
  AddCommonFlags(options, flags, false);
  int exit_code = 0;
  auto vars = ParseFlags(args, "usage: reflexio migrate [--verify] [--data-dir DIR | --database-url URL] [--migrations-dir DIR]", options,
                         nullptr, exit_code);
  if (!vars) return exit_code;
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  if (vars->count("database-url")) config->database_url = (*vars)["database-url"].as<std::string>();
  bool postgres = !config->database_url.empty();
  std::vector<Migration> migrations = postgres ? EmbeddedPostgresMigrations() : EmbeddedSqliteMigrations();
  if (!migrations_dir.empty()) {
    auto loaded = LoadMigrationsFromDirectory(migrations_dir);
    if (!loaded.ok()) return Fail(loaded.status().message());
    migrations = std::move(*loaded);
  }
  std::unique_ptr<MigrationTarget> target;
  std::unique_ptr<SqliteConnection> sqlite;
  if (postgres) {
    target = std::make_unique<PostgresMigrationTarget>(config->database_url);
  } else {
    Status prepared = PrepareDataDirectory(*config);
    if (!prepared.ok()) return Fail(prepared.message());
    auto db = SqliteConnection::Open(DatabasePath(*config));
    if (!db.ok()) return Fail(db.status().message());
    sqlite = std::move(*db);
    target = std::make_unique<SqliteMigrationTarget>(*sqlite);
  }
  if ((*vars)["verify"].as<bool>()) {
    Status verdict = VerifyMigrations(*target, migrations);
    if (!verdict.ok()) return Fail("migrations do not match: " + verdict.message());
    if (postgres) {
      Status rls = VerifyRowLevelSecurity(config->database_url);
      if (!rls.ok()) return Fail("row-level security is incomplete: " + rls.message());
    }
    std::cout << "ok: " << migrations.size() << " migration(s) applied and unchanged"
              << (postgres ? "; every tenant table has row-level security enabled, forced and a policy" : "") << "\n";
    return 0;
  }
  auto report = ApplyMigrations(*target, migrations);
  if (!report.ok()) return Fail(report.status().message());
  for (const auto& name : report->applied) std::cout << "applied " << name << "\n";
  std::cout << report->applied.size() << " applied, " << report->already_applied << " already up to date\n";
  return 0;
}

}  // namespace reflexio
