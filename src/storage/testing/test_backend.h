// A Database of either backend for tests parameterised by backend name ("sqlite" | "postgres"):
// SQLite in a file under `dir`, or a fresh PostgreSQL database (postgres_fixture.h) reached as
// the application role. Not thread-safe to open; the Database itself is.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/test_support.h"
#include "core/time.h"
#include "storage/database.h"
#include "storage/testing/postgres_fixture.h"

namespace reflexio::testing {

struct TestBackend {
  std::unique_ptr<PostgresTestDatabase> pg;  // null for SQLite; dropped after `db`
  std::unique_ptr<Database> db;
};

// Stops the test program with the reason when the backend cannot be opened.
TestBackend OpenTestBackend(const std::string& backend, const std::filesystem::path& dir, const Clock& clock,
                            int pool_size = 4);

// A recording of `tenant_id` received (and captured) at `at`, transcribed with `speech_s` seconds
// of speech and no segments, through the queue as a worker would. Needs an otherwise empty queue.
Recording AddTranscribedRecording(Database& db, const std::string& tenant_id, double speech_s, TimePoint at);

// A test of a storage role on the backend named by the test's parameter, with two tenants, a
// fake clock and a temporary directory: the fixture the Database contract suites share.
class TwoTenantBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = OpenTestBackend(GetParam(), dir_.path(), clock_);
    db_ = backend_.db.get();
    alice_ = db_->EnsureTenant("alice").value();
    bob_ = db_->EnsureTenant("bob").value();
  }

  TempDir dir_;
  FakeClock clock_;
  TestBackend backend_;
  Database* db_ = nullptr;
  Tenant alice_, bob_;
};

}  // namespace reflexio::testing
