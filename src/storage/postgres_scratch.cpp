#include "storage/postgres_scratch.h"

#include <pqxx/pqxx>

#include <algorithm>

#include "core/ids.h"
#include "storage/postgres_database.h"

namespace reflexio {

namespace {
// postgresql://USER@HOST:PORT/DB with another user and database.
Result<std::string> WithDatabase(const std::string& url, const std::string& user, const std::string& db) {
  auto scheme = url.find("://");
  auto at = scheme == std::string::npos ? scheme : url.find('@', scheme + 3);
  auto slash = at == std::string::npos ? at : url.find('/', at);
  if (slash == std::string::npos) return InvalidArgument("expected postgresql://USER@HOST:PORT/DB, not " + url);
  return url.substr(0, scheme + 3) + user + url.substr(at, slash - at) + "/" + db;
}

Status Run(const std::string& url, const std::string& sql) {
  try {
    pqxx::connection c(url);
    pqxx::nontransaction tx(c);
    tx.exec(sql);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Unavailable(std::string("PostgreSQL: ") + e.what());
  }
}
}  // namespace

Result<ScratchPostgresDatabase> ScratchPostgresDatabase::Create(const std::string& admin_url, const std::string& prefix,
                                                                const std::vector<Migration>& migrations) {
  ScratchPostgresDatabase db;
  std::string name = prefix + NewId().substr(24);
  std::replace(name.begin(), name.end(), '-', '_');
  ASSIGN_OR_RETURN(std::string owner_url, WithDatabase(admin_url, "postgres", name));
  ASSIGN_OR_RETURN(std::string app_url, WithDatabase(admin_url, "reflexio_server", name));
  RETURN_IF_ERROR(Run(admin_url, "CREATE DATABASE \"" + name + "\""));
  db.admin_url_ = admin_url;  // from here on, the destructor drops it
  db.name_ = name;
  db.owner_url_ = owner_url;
  db.app_url_ = app_url;
  PostgresMigrationTarget target(owner_url);
  RETURN_IF_ERROR(ApplyMigrations(target, migrations).status());
  RETURN_IF_ERROR(Run(owner_url, "DO $$ BEGIN CREATE ROLE reflexio_server LOGIN IN ROLE reflexio_app; "
                                 "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"));
  return db;
}

ScratchPostgresDatabase::ScratchPostgresDatabase(ScratchPostgresDatabase&& other) noexcept
    : admin_url_(std::move(other.admin_url_)),
      name_(std::move(other.name_)),
      owner_url_(std::move(other.owner_url_)),
      app_url_(std::move(other.app_url_)) {
  other.admin_url_.clear();
}

ScratchPostgresDatabase::~ScratchPostgresDatabase() {
  // A failure leaves a database in a cluster that is itself thrown away after the run.
  if (!admin_url_.empty()) (void)Run(admin_url_, "DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
}

}  // namespace reflexio
