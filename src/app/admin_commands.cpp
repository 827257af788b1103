// `reflexio keys create|rotate`, `reflexio login-link` and `reflexio migrate`: operator tools on
// the data directory.
#include <unistd.h>

#include <iostream>

#include "api/browser_sign_in.h"
#include "app/flags.h"
#include "core/file_util.h"
#include "core/log.h"
#include "core/strings.h"
#include "crypto/api_key.h"
#include "privacy/keyring.h"
#include "privacy/master_key.h"
#include "storage/migrations.h"
#include "storage/postgres_database.h"
#include "storage/sqlite.h"

namespace reflexio {

namespace {

// Rewraps every tenant key under `next` (read, or created when missing) and reports it.
int RewrapUnder(Database& db, const MasterKeys& current, const std::filesystem::path& next_file) {
  auto next = std::filesystem::exists(next_file) ? ReadKeyFile(next_file) : CreateKeyFile(next_file);
  if (!next.ok()) return Fail(next.status().message());
  MasterKeys rotating{*next, {current.primary}};
  for (const auto& other : current.also_unwrap) {
    if (other.id != next->id) rotating.also_unwrap.push_back(other);
  }
  Keyring keyring(PlainStores(db), std::move(rotating));
  auto report = keyring.RewrapAll();
  if (!report.ok()) return Fail("rotation stopped (run it again to resume): " + report.status().message());
  std::cout << "rewrapped " << report->rewrapped << " tenant key(s) from master " << current.primary.id << " to "
            << next->id << "; " << report->already_current << " already done, " << report->without_key
            << " tenant(s) without data\n";
  return 0;
}

int RotateMasterKey(const Args& args) {
  CommonFlags flags;
  std::string new_key_file;
  po::options_description options("options");
  options.add_options()("new-key-file", po::value(&new_key_file)->value_name("PATH"),
                        "rewrap under the key in PATH (created, mode 0600, if missing) and leave the switch to you");
  AddCommonFlags(options, flags, false);
  int exit_code = 0;
  auto vars = ParseFlags(Args(args.begin() + 1, args.end()),
                         "usage: reflexio keys rotate [--new-key-file PATH] [--data-dir DIR]\n\n"
                         "Replaces the master key: every tenant's data key is unwrapped and wrapped again under a new\n"
                         "master; no recording or transcript is touched. With the development key file, the new key\n"
                         "takes its place and the old one is kept as master.key.<id>.retired (move it offline: backups\n"
                         "taken before today need it). Stop the servers first. Interrupted, it resumes when run again.",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  Status prepared = PrepareDataDirectory(*config);
  if (!prepared.ok()) return Fail(prepared.message());
  auto lock = LockDataDirectory(*config);
  if (!lock.ok()) return Fail(lock.status().message());
  auto current = LoadMasterKeys(*config);
  if (!current.ok()) return Fail(current.status().message());
  auto db = OpenDatabase(*config);
  if (!db.ok()) return Fail(db.status().message());

  if (!new_key_file.empty()) {
    int code = RewrapUnder(**db, *current, new_key_file);
    if (code == 0) std::cout << "now start every process with REFLEXIO_KEY_FILE=" << new_key_file << "\n";
    return code;
  }
  if (!current->key_file) {
    return Fail("the master key comes from AUDIO_ENCRYPTION_PASSWORD; rotate to a key file with --new-key-file PATH", 2);
  }
  std::filesystem::path file = *current->key_file, next = file, retired = file;
  next += ".next";
  retired += "." + current->primary.id + ".retired";
  int code = RewrapUnder(**db, *current, next);
  if (code != 0) return code;
  // Keep the old key beside (a hard link), then swap the new one in atomically: at every moment
  // the key file exists and unwraps every tenant key.
  if (!std::filesystem::exists(retired) && ::link(file.c_str(), retired.c_str()) != 0) {
    return Fail("cannot keep the old key as " + retired.string());
  }
  Status swapped = RenameDurably(next, file);
  if (!swapped.ok()) return Fail(swapped.message());
  std::cout << "the master key in " << file.string() << " is new; the old one is " << retired.string() << "\n";
  return 0;
}

}  // namespace

int KeysCommand(const Args& args) {
  const std::string usage =
      "usage: reflexio keys create --tenant NAME [--data-dir DIR]\n"
      "       reflexio keys create --operator [--data-dir DIR]\n"
      "       reflexio keys rotate [--new-key-file PATH] [--data-dir DIR]\n\n"
      "create: creates the tenant if it does not exist and prints a new API key, alone on the last line;\n"
      "with --operator, a key for the admin routes (/v1/admin/…), which reaches no tenant's data and\n"
      "which no tenant's key replaces. Only the key's SHA-256 is stored: it cannot be shown again.\n"
      "rotate: replaces the master key that wraps every tenant's data key (see keys rotate --help).";
  if (!args.empty() && args[0] == "rotate") return RotateMasterKey(args);
  if (args.empty() || args[0] != "create") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << usage << "\n";
      return 0;
    }
    return Fail("usage: reflexio keys create --tenant NAME | --operator, keys rotate (see reflexio keys --help)", 2);
  }
  CommonFlags flags;
  std::string tenant_name;
  bool for_operator = false;
  po::options_description options("options");
  options.add_options()
      ("tenant", po::value(&tenant_name)->value_name("NAME"), "tenant to create a key for")
      ("operator", po::bool_switch(&for_operator), "create an operator key for the admin routes instead");
  AddCommonFlags(options, flags, false);
  int exit_code = 0;
  auto vars = ParseFlags(Args(args.begin() + 1, args.end()), usage, options, nullptr, exit_code);
  if (!vars) return exit_code;
  if (for_operator == !tenant_name.empty()) return Fail("give either --tenant NAME or --operator", 2);
  if (!for_operator && tenant_name.size() > 100) return Fail("--tenant must be 1 to 100 characters", 2);
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto db = OpenDatabase(*config);
  if (!db.ok()) return Fail(db.status().message());
  if (for_operator) {
    std::string key = GenerateApiKey();
    Status added = (*db)->AddOperatorKey(HashApiKey(key), ApiKeyDisplayPrefix(key));
    if (!added.ok()) return Fail(added.message());
    LOG_INFO("operator key " << ApiKeyDisplayPrefix(key) << "… created");
    std::cout << "New operator key (admin routes only). It is shown only once:\n" << key << "\n";
    return 0;
  }
  auto tenant = (*db)->EnsureTenant(tenant_name);
  if (!tenant.ok()) return Fail(tenant.status().message());
  std::string key = GenerateApiKey();
  auto added = (*db)->AddApiKey(tenant->id, HashApiKey(key), ApiKeyDisplayPrefix(key));
  if (!added.ok()) return Fail(added.status().message());
  Status audited = (*db)->AppendAudit({tenant->id, "", {}, "operator", "admin_access",
                                       "{\"what\":\"api_key_created\",\"prefix\":\"" + ApiKeyDisplayPrefix(key) + "\"}"});
  if (!audited.ok()) return Fail(audited.message());
  std::cout << "New API key for tenant \"" << tenant_name << "\" (" << tenant->id << "). It is shown only once:\n"
            << key << "\n";
  return 0;
}

namespace {

// Where the server that will read the link is reached: REFLEXIO_PUBLIC_URL, else the address a
// running server wrote (--port 0), else the configured host and port.
std::string ServerBaseUrl(const Config& config) {
  if (!config.stripe.public_url.empty()) return config.stripe.public_url;
  if (!config.address_file.empty()) {
    auto written = ReadWholeFile(config.address_file);
    if (written.ok() && !TrimWhitespace(*written).empty()) return TrimWhitespace(*written);
  }
  return "http://" + config.host + ":" + std::to_string(config.port);
}

}  // namespace

int LoginLinkCommand(const Args& args) {
  const char* usage =
      "usage: reflexio login-link --tenant NAME [--minutes N] [--base-url URL]\n\n"
      "Prints a one-time link that signs a browser in to the web app as the tenant, alone on the last\n"
      "line. It works once, within --minutes (default 60); the browser then stays signed in for\n"
      "REFLEXIO_SESSION_DAYS. The link leads to --base-url, else REFLEXIO_PUBLIC_URL, else the\n"
      "configured host and port.";
  CommonFlags flags;
  std::string tenant_name, base_url;
  double minutes = 60;
  po::options_description options("options");
  options.add_options()
      ("tenant", po::value(&tenant_name)->value_name("NAME"), "the tenant to sign in as (it must exist)")
      ("minutes", po::value(&minutes)->value_name("N"), "how long the link may wait to be used (1 to 10080)")
      ("base-url", po::value(&base_url)->value_name("URL"), "where the web app is reached, e.g. https://reflexio.example");
  AddCommonFlags(options, flags, true);
  int exit_code = 0;
  auto vars = ParseFlags(args, usage, options, nullptr, exit_code);
  if (!vars) return exit_code;
  if (tenant_name.empty()) return Fail("name the tenant: --tenant NAME", 2);
  if (!(minutes >= 1 && minutes <= 10080)) return Fail("--minutes must be 1 to 10080 (a week)", 2);
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto db = OpenDatabase(*config);
  if (!db.ok()) return Fail(db.status().message());
  auto tenants = (*db)->ListTenants();
  if (!tenants.ok()) return Fail(tenants.status().message());
  const Tenant* tenant = nullptr;
  for (const auto& t : *tenants) {
    if (t.name == tenant_name) tenant = &t;
  }
  if (tenant == nullptr) {
    return Fail("no tenant named \"" + tenant_name + "\"; make it with reflexio keys create --tenant " + tenant_name);
  }
  BrowserSignIn sign_in(**db, **db, SystemClock::Instance(), {.link_minutes = minutes});
  auto link = sign_in.MakeLink(tenant->id, base_url.empty() ? ServerBaseUrl(*config) : base_url);
  if (!link.ok()) return Fail(link.status().message());
  Status audited = (*db)->AppendAudit({tenant->id, "", {}, "operator", "admin_access", "{\"what\":\"sign_in_link_created\"}"});
  if (!audited.ok()) return Fail(audited.message());
  std::cout << "One-time sign-in link for tenant \"" << tenant_name << "\", valid until "
            << FormatRfc3339(link->expires_at) << ":\n" << link->url << "\n";
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
       "read migrations from DIR instead of the copies built into this binary")
      ("ensure-server-role", po::bool_switch(),
       "with --database-url (the owner): also make the role DATABASE_URL logs in as exist, with its password, "
       "as a member of reflexio_app (for a fresh cluster; idempotent)");
  AddCommonFlags(options, flags, false);
  int exit_code = 0;
  auto vars = ParseFlags(args, "usage: reflexio migrate [--verify] [--data-dir DIR | --database-url URL [--ensure-server-role]] [--migrations-dir DIR]", options,
                         nullptr, exit_code);
  if (!vars) return exit_code;
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  std::string server_url = config->database_url;
  if (vars->count("database-url")) config->database_url = (*vars)["database-url"].as<std::string>();
  bool ensure_role = (*vars)["ensure-server-role"].as<bool>();
  if (ensure_role && (!vars->count("database-url") || server_url.empty())) {
    return Fail("--ensure-server-role needs --database-url (the owner) and DATABASE_URL (the server's login)", 2);
  }
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
  if (ensure_role) {
    Status role = EnsureServerRole(config->database_url, server_url);
    if (!role.ok()) return Fail(role.message());
    std::cout << "the server's role (DATABASE_URL) can log in as a member of reflexio_app\n";
  }
  return 0;
}

}  // namespace reflexio
