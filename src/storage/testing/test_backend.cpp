#include "storage/testing/test_backend.h"

#include "core/check.h"
#include "storage/postgres_database.h"
#include "storage/sqlite_database.h"

namespace reflexio::testing {

TestBackend OpenTestBackend(const std::string& backend, const std::filesystem::path& dir, const Clock& clock,
                            int pool_size) {
  TestBackend opened;
  if (backend == "postgres") {
    opened.pg = std::make_unique<PostgresTestDatabase>();
    auto db = PostgresDatabase::Open(opened.pg->app_url(), pool_size, EmbeddedPostgresMigrations(), clock);
    REFLEXIO_CHECK(db.ok(), "cannot open the test PostgreSQL database: " + db.status().ToString());
    opened.db = std::move(db).value();
  } else {
    REFLEXIO_CHECK(backend == "sqlite", "no backend named " + backend);
    auto db = SqliteDatabase::Open(dir / "reflexio.db", EmbeddedSqliteMigrations(), clock);
    REFLEXIO_CHECK(db.ok(), "cannot open the test SQLite database: " + db.status().ToString());
    opened.db = std::move(db).value();
  }
  return opened;
}

}  // namespace reflexio::testing
