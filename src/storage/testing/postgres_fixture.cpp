#include "storage/testing/postgres_fixture.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "core/ids.h"
#include "storage/migrations.h"
#include "storage/postgres_database.h"

namespace reflexio::testing {

namespace {
std::string WithDatabase(const std::string& url, const std::string& user, const std::string& db) {
  // postgresql://USER@HOST:PORT/DB
  auto scheme = url.find("://") + 3;
  auto at = url.find('@', scheme);
  auto slash = url.find('/', at);
  return url.substr(0, scheme) + user + url.substr(at, slash - at) + "/" + db;
}
}  // namespace

std::string PostgresTestDatabase::AdminUrl() {
  const char* url = std::getenv("REFLEXIO_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error("REFLEXIO_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh, which "
                             "starts a throwaway PostgreSQL cluster (scripts/with-postgres.sh)");
  }
  return url;
}

PostgresTestDatabase::PostgresTestDatabase() {
  std::string admin = AdminUrl();
  name_ = "reflexio_t_" + NewId().substr(24);
  std::replace(name_.begin(), name_.end(), '-', '_');
  {
    pqxx::connection c(admin);
    pqxx::nontransaction tx(c);
    tx.exec("CREATE DATABASE " + c.quote_name(name_));
  }
  owner_url_ = WithDatabase(admin, "postgres", name_);
  PostgresMigrationTarget target(owner_url_);
  auto report = ApplyMigrations(target, EmbeddedPostgresMigrations());
  if (!report.ok()) throw std::runtime_error(report.status().ToString());
  {
    pqxx::connection c(owner_url_);
    pqxx::nontransaction tx(c);
    tx.exec("DO $$ BEGIN CREATE ROLE reflexio_server LOGIN IN ROLE reflexio_app; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
  }
  app_url_ = WithDatabase(admin, "reflexio_server", name_);
}

PostgresTestDatabase::~PostgresTestDatabase() {
  try {
    pqxx::connection c(AdminUrl());
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + c.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The cluster is thrown away after the run anyway.
  }
}

}  // namespace reflexio::testing
