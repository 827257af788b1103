// PostgresDatabase: the Database on PostgreSQL 15 through libpqxx, for many workers on many
// machines. It connects as a member of reflexio_app, which row-level security binds: every
// transaction first sets its tenant with set_config('app.tenant_id', …, true) (SET LOCAL), so
// a query that forgot its tenant filter still sees only that tenant's rows. Jobs are claimed
// across tenants only through claim_next_job() (FOR UPDATE SKIP LOCKED).
//
// Thread-safe: calls take a connection from a fixed pool (blocking while all are busy) and
// replace a connection that broke.
#pragma once

#include <pqxx/connection>
#include <pqxx/transaction>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/time.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace reflexio {

class PostgresDatabase : public Database {
 public:
  // Connects `pool_size` times to `url` and checks the schema matches `migrations` (the
  // server never migrates: `reflexio migrate` does, as the owner).
  static Result<std::unique_ptr<PostgresDatabase>> Open(const std::string& url, int pool_size,
                                                        const std::vector<Migration>& migrations,
                                                        const Clock& clock = SystemClock::Instance());
  ~PostgresDatabase() override;

  // Every role of Database, as declared by the roles (storage/database.h):
#include "storage/backend_overrides.inc"

  // Runs `body` in one transaction whose tenant setting is `tenant` (empty: none). Converts
  // libpqxx exceptions to Status. Public for tests that probe row-level security directly.
  using Body = std::function<Status(pqxx::dbtransaction&)>;
  Status Transact(const std::string& tenant, const Body& body);

 private:
  PostgresDatabase(std::string url, const Clock& clock) : url_(std::move(url)), clock_(clock) {}
  std::unique_ptr<pqxx::connection> Acquire();
  void Release(std::unique_ptr<pqxx::connection> connection);

  std::string url_;
  const Clock& clock_;
  Mutex mutex_;
  std::condition_variable_any available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ GUARDED_BY(mutex_);
};

// PostgreSQL migration ledger for `reflexio migrate`, run as the schema owner.
class PostgresMigrationTarget : public MigrationTarget {
 public:
  explicit PostgresMigrationTarget(std::string url) : url_(std::move(url)) {}
  Status EnsureLedger() override;
  Result<std::vector<AppliedMigration>> Applied() override;
  Status Apply(const Migration& migration) override;

 private:
  std::string url_;
};

// Every table with a tenant_id column (read from the catalog) must have row-level security
// enabled and forced and its tenant_isolation policy (lookups by a secret's hash do not replace it);
// returns what is missing otherwise.
Status VerifyRowLevelSecurity(const std::string& url);

// Connected as the owner (`owner_url`), makes the role that `server_url` logs in as exist, with
// that URL's password, as a member of reflexio_app (what the server and workers may do, under
// row-level security). Idempotent: an existing role gets the password and membership again.
// Refuses a role that is a superuser or the owner itself, which row-level security would not
// bind. Never logs or returns the password.
Status EnsureServerRole(const std::string& owner_url, const std::string& server_url);

bool IsPostgresUrl(const std::string& url);

// A PostgreSQL session advisory lock on its own connection: held until released or until the
// connection (or the process) dies. The leader lock of the scheduler across machines.
class PostgresAdvisoryLock {
 public:
  PostgresAdvisoryLock(std::string url, std::string name) : url_(std::move(url)), name_(std::move(name)) {}
  ~PostgresAdvisoryLock();
  Result<bool> TryAcquire();
  std::string Describe() const { return "PostgreSQL advisory lock '" + name_ + "'"; }

 private:
  std::string url_, name_;
  std::unique_ptr<pqxx::connection> connection_;
  bool held_ = false;
};

}  // namespace reflexio
