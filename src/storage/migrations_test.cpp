#include "storage/migrations.h"
#include "storage/sqlite.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/test_support.h"

namespace reflexio {
namespace {

using testing::TempDir;

TEST(Migrations, EmbeddedCopiesMatchTheFilesInTheRepository) {
  auto files = LoadMigrationsFromDirectory(std::string(REFLEXIO_SOURCE_DIR) + "/migrations/sqlite");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto embedded = EmbeddedSqliteMigrations();
  ASSERT_EQ(files->size(), embedded.size());
  ASSERT_GE(embedded.size(), 2u);
  for (size_t i = 0; i < embedded.size(); ++i) {
    EXPECT_EQ(embedded[i].name, (*files)[i].name);
    EXPECT_EQ(embedded[i].checksum, (*files)[i].checksum) << embedded[i].name << " was edited; rebuild";
  }
  EXPECT_EQ(embedded[0].name, "0001_init.sql");
}

TEST(Sqlite, DeletedRowsAreOverwrittenNotLeftInFreePages) {
  TempDir dir;
  auto db = SqliteConnection::Open(dir / "db.sqlite");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('" + std::string(3000, 'Q') + "');").ok());
  ASSERT_TRUE((*db)->Execute("DELETE FROM t; PRAGMA wal_checkpoint(TRUNCATE);").ok());
  db->reset();
  std::ifstream in(dir / "db.sqlite", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find(std::string(100, 'Q')), std::string::npos) << "secure_delete is on";
}

TEST(Migrations, ApplyOnceThenNothingPending) {
  TempDir dir;
  auto db = SqliteConnection::Open(dir / "db.sqlite");
  SqliteMigrationTarget target(**db);
  ASSERT_TRUE(db.ok());
  auto first = ApplyMigrations(target, EmbeddedSqliteMigrations());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->applied.size(), EmbeddedSqliteMigrations().size());
  auto second = ApplyMigrations(target, EmbeddedSqliteMigrations());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->applied.empty());
  EXPECT_TRUE(VerifyMigrations(target, EmbeddedSqliteMigrations()).ok());
}

TEST(Migrations, VerifyFailsWhenAnAppliedFileChanges) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "m");
  std::ofstream(dir / "m/0001_first.sql") << "CREATE TABLE a (tenant_id TEXT NOT NULL);";
  std::ofstream(dir / "m/0002_second.sql") << "CREATE TABLE b (tenant_id TEXT NOT NULL);";
  auto db = SqliteConnection::Open(dir / "db.sqlite");
  SqliteMigrationTarget target(**db);
  auto migrations = LoadMigrationsFromDirectory(dir / "m");
  ASSERT_TRUE(migrations.ok());
  ASSERT_TRUE(ApplyMigrations(target, *migrations).ok());
  ASSERT_TRUE(VerifyMigrations(target, *migrations).ok());

  std::ofstream(dir / "m/0002_second.sql") << "CREATE TABLE b (tenant_id TEXT NOT NULL, extra TEXT);";
  auto changed = LoadMigrationsFromDirectory(dir / "m");
  Status verdict = VerifyMigrations(target, *changed);
  ASSERT_FALSE(verdict.ok());
  EXPECT_NE(verdict.message().find("0002_second.sql was changed"), std::string::npos) << verdict.message();
}

TEST(Migrations, VerifyReportsPendingAndBadNames) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "m");
  std::ofstream(dir / "m/0001_first.sql") << "CREATE TABLE a (x TEXT);";
  auto db = SqliteConnection::Open(dir / "db.sqlite");
  SqliteMigrationTarget target(**db);
  auto migrations = LoadMigrationsFromDirectory(dir / "m");
  Status pending = VerifyMigrations(target, *migrations);
  EXPECT_FALSE(pending.ok());
  EXPECT_NE(pending.message().find("not yet applied"), std::string::npos);
  std::ofstream(dir / "m/first.sql") << "SELECT 1;";
  EXPECT_FALSE(LoadMigrationsFromDirectory(dir / "m").ok());
}

TEST(Migrations, AFailingMigrationLeavesNoTrace) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "m");
  std::ofstream(dir / "m/0001_good.sql") << "CREATE TABLE a (x TEXT);";
  std::ofstream(dir / "m/0002_bad.sql") << "CREATE TABLE b (x TEXT); THIS IS NOT SQL;";
  auto db = SqliteConnection::Open(dir / "db.sqlite");
  SqliteMigrationTarget target(**db);
  auto migrations = LoadMigrationsFromDirectory(dir / "m");
  auto report = ApplyMigrations(target, *migrations);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("0002_bad.sql"), std::string::npos);
  auto stmt = (*db)->Prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnInt(0), 0);
}

}  // namespace
}  // namespace reflexio
