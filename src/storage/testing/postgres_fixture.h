// A fresh PostgreSQL database per test, inside the throwaway cluster that
// scripts/with-postgres.sh starts (REFLEXIO_TEST_POSTGRES_URL). The schema is migrated by the
// superuser; the application connects as reflexio_server, a LOGIN role whose only rights come
// from membership of reflexio_app — exactly as a deployment should. Dropped on destruction.
#pragma once

#include <optional>
#include <string>

#include "storage/postgres_scratch.h"

namespace reflexio::testing {

class PostgresTestDatabase {
 public:
  PostgresTestDatabase();
  ~PostgresTestDatabase();

  const std::string& owner_url() const { return db_->owner_url(); }  // superuser, this database
  const std::string& app_url() const { return db_->app_url(); }      // reflexio_server, this database
  const std::string& name() const { return db_->name(); }

  static std::string AdminUrl();  // throws with a clear message when no cluster is running

 private:
  std::optional<ScratchPostgresDatabase> db_;
};

}  // namespace reflexio::testing
