#include "storage/testing/postgres_fixture.h"

#include <cstdlib>
#include <stdexcept>

namespace reflexio::testing {

std::string PostgresTestDatabase::AdminUrl() {
  const char* url = std::getenv("REFLEXIO_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error("REFLEXIO_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh, which "
                             "starts a throwaway PostgreSQL cluster (scripts/with-postgres.sh)");
  }
  return url;
}

PostgresTestDatabase::PostgresTestDatabase() {
  auto db = ScratchPostgresDatabase::Create(AdminUrl(), "reflexio_t_");
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  db_.emplace(std::move(db).value());
}

PostgresTestDatabase::~PostgresTestDatabase() = default;

}  // namespace reflexio::testing
