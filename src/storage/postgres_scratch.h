// ScratchPostgresDatabase: a throwaway database inside a PostgreSQL cluster one can administer
// (a superuser URL), set up as a deployment should be — the schema migrated by the owner, the
// application connecting as reflexio_server, a LOGIN role whose only rights come from membership
// of reflexio_app — and dropped when the object goes. Tests (storage/testing/postgres_fixture.h)
// and benchmarks use it. Not thread-safe; the URLs it hands out are.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "storage/migrations.h"

namespace reflexio {

class ScratchPostgresDatabase {
 public:
  // Creates a database named `prefix` plus a random suffix in the cluster of `admin_url`
  // (postgresql://USER@HOST:PORT/DB) and applies `migrations` (tests of an upgrade pass fewer).
  static Result<ScratchPostgresDatabase> Create(const std::string& admin_url, const std::string& prefix,
                                                const std::vector<Migration>& migrations = EmbeddedPostgresMigrations());
  ScratchPostgresDatabase(ScratchPostgresDatabase&& other) noexcept;
  ScratchPostgresDatabase(const ScratchPostgresDatabase&) = delete;
  ~ScratchPostgresDatabase();

  const std::string& owner_url() const { return owner_url_; }  // the cluster's superuser, this database
  const std::string& app_url() const { return app_url_; }      // reflexio_server, this database
  const std::string& name() const { return name_; }

 private:
  ScratchPostgresDatabase() = default;
  std::string admin_url_, name_, owner_url_, app_url_;
};

}  // namespace reflexio
