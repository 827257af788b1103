// A fresh PostgreSQL database per test, inside the throwaway cluster that
// scripts/with-postgres.sh starts (REFLEXIO_TEST_POSTGRES_URL). The schema is migrated by the
// superuser; the application connects as reflexio_server, a LOGIN role whose only rights come
// from membership of reflexio_app — exactly as a deployment should. Dropped on destruction.
#pragma once

#include <string>

namespace reflexio::testing {

class PostgresTestDatabase {
 public:
  PostgresTestDatabase();
  ~PostgresTestDatabase();

  const std::string& owner_url() const { return owner_url_; }  // superuser, this database
  const std::string& app_url() const { return app_url_; }      // reflexio_server, this database
  const std::string& name() const { return name_; }

  static std::string AdminUrl();  // throws with a clear message when no cluster is running

 private:
  std::string name_, owner_url_, app_url_;
};

}  // namespace reflexio::testing
