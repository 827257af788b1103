// Row-level security on PostgreSQL, proven against the running server: every table that has a
// tenant_id column — found from the catalog, not from a list — is checked as the application
// role, so a table added later without a policy fails here.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <fstream>

#include "core/ids.h"
#include "core/test_support.h"
#include "storage/postgres_database.h"
#include "storage/testing/postgres_fixture.h"

namespace reflexio {
namespace {

using testing::PostgresTestDatabase;

std::vector<std::string> TenantTables(pqxx::connection& c) {
  pqxx::work tx(c);
  std::vector<std::string> tables;
  for (const auto& row : tx.exec("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                 "JOIN pg_attribute a ON a.attrelid = c.oid WHERE n.nspname = 'public' "
                                 "AND c.relkind IN ('r', 'p') AND a.attname = 'tenant_id' AND NOT a.attisdropped "
                                 "ORDER BY 1")) {
    tables.push_back(row[0].c_str());
  }
  return tables;
}

class RowLevelSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = PostgresDatabase::Open(pg_.app_url(), 2, EmbeddedPostgresMigrations());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(opened).value();
    a_ = db_->EnsureTenant("tenant-a").value();
    b_ = db_->EnsureTenant("tenant-b").value();
    // Tenant A gets a row in every tenant table: through the application where it writes them,
    // directly (as the owner) for the billing and referral tables whose logic comes later.
    ASSERT_TRUE(db_->AddApiKey(a_.id, "hash-of-a", "rfx_aaaaaa").ok());
    Recording r;
    r.tenant_id = a_.id;
    r.id = NewId();
    r.content_type = "audio/wav";
    r.body_sha256 = "x";
    r.captured_at = r.received_at = SystemClock::Instance().Now();
    r.source_path = "incoming/x";
    ASSERT_TRUE(db_->InsertRecording(r, "transcribe", 3).ok());
    auto job = db_->ClaimJob("w", 30);
    ASSERT_TRUE(job.ok() && job->has_value());
    Transcription t;
    Segment seg;
    seg.text = "tenant a said something private";
    seg.index_terms = "tokens of what a said";  // for segment_terms
    seg.captured_at = r.captured_at;
    t.segments.push_back(seg);
    ASSERT_TRUE(db_->CompleteTranscription(**job, t).ok());
    ASSERT_TRUE(db_->AddTenantKey({a_.id, "master", "wrapped-key-of-a"}).ok());
    ASSERT_TRUE(db_->PutTenantSettings(a_.id, TenantSettings{.opt_out_training = true}).ok());
    ASSERT_TRUE(db_->AppendAudit({a_.id, "", {}, "tenant", "export", "{}"}).ok());
    Episode episode{a_.id, NewId(), r.captured_at, r.captured_at, EpisodeState::kOpen, 0, std::nullopt, std::nullopt};
    ASSERT_TRUE(db_->AssignToEpisode(episode, {{r.id, 0, r.captured_at, 1.0}}).ok());
    Insight insight{a_.id,         NewId(),      InsightScope::kEpisode, episode.id, InsightKind::kSummary,
                    InsightState::kNone, "",  r.captured_at, std::nullopt, "{}", r.captured_at};
    ASSERT_TRUE(db_->StoreEnrichment(a_.id, episode.id, {insight}, r.captured_at).ok());
    ASSERT_TRUE(db_->StoreDigest({a_.id, "2026-11-26", DigestStatus::kReady, "hash", "{}", "", "", "", {}}).ok());
    DigestDelivery delivery;
    delivery.tenant_id = a_.id;
    delivery.date = "2026-11-26";
    delivery.origin = DeliveryOrigin::kSchedule;
    delivery.state = DeliveryState::kPending;
    delivery.chat_id = "42";
    delivery.messages = {"tenant a's day"};
    ASSERT_TRUE(*db_->AddDelivery(delivery, false));
    ASSERT_TRUE(*db_->ApplyStripeEvent({a_.id, "evt_A", "invoice.paid", {}},
                                       {a_.id, "premium_monthly", "active", "cus_A", "sub_A", {}, false, {}, {}, {}},
                                       std::nullopt));
    ASSERT_TRUE(db_->ChargeSpeech({a_.id, r.id, "2026-11-26", 3, 1800, 0, 0, {}}).ok());
    ASSERT_TRUE(*db_->GrantBonus({a_.id, "referral_bonus", 6000, {}}));
    Tenant referrer = db_->EnsureTenant("referrer").value();  // neither A nor B: B must see no row at all
    ASSERT_EQ(*db_->EnsureReferralCode(referrer.id, "CODE-R"), "CODE-R");
    ASSERT_TRUE(*db_->AddRedemption({a_.id, "CODE-R", referrer.id, {}, std::nullopt}));
    TimePoint now = SystemClock::Instance().Now();
    ASSERT_TRUE(db_->AddSignInLink(a_.id, "link-hash-of-a", now, now + std::chrono::hours(1)).ok());
    ASSERT_TRUE(db_->StartSession({a_.id, NewId(), "a's browser", now, now, now + std::chrono::hours(1)},
                                  "session-hash-of-a").ok());
    pqxx::connection owner(pg_.owner_url());
    pqxx::work tx(owner);
    tx.exec_params("INSERT INTO usage_daily VALUES ($1, current_date, 12.5, 1)", a_.id);
    tx.exec_params("INSERT INTO referral_codes VALUES ($1, 'CODE-A', now())", a_.id);
    tx.commit();
  }

  // Runs `sql` as the application role with `tenant` set (empty: none); returns rows affected
  // or selected count, or throws.
  int64_t AsApp(const std::string& tenant, const std::string& sql) {
    pqxx::connection c(pg_.app_url());
    pqxx::work tx(c);
    if (!tenant.empty()) tx.exec_params("SELECT set_config('app.tenant_id', $1, true)", tenant);
    pqxx::result r = tx.exec(sql);
    tx.commit();
    return r.columns() == 1 && r.size() == 1 && sql.rfind("SELECT count", 0) == 0 ? r[0][0].as<int64_t>()
                                                                                   : r.affected_rows();
  }

  PostgresTestDatabase pg_;
  std::unique_ptr<PostgresDatabase> db_;
  Tenant a_, b_;
};

TEST_F(RowLevelSecurity, AnotherTenantCannotReadChangeDeleteOrInsertRowsOfEveryTenantTable) {
  pqxx::connection owner(pg_.owner_url());
  auto tables = TenantTables(owner);
  ASSERT_GE(tables.size(), 8u) << "recordings, segments, jobs, api_keys, billing and referral tables";
  for (const auto& table : tables) {
    SCOPED_TRACE(table);
    std::string a = owner.quote(a_.id);
    // The row exists and its tenant sees it, so the checks below cannot pass vacuously.
    ASSERT_GT(AsApp(a_.id, "SELECT count(*) FROM " + table + " WHERE tenant_id = " + a), 0);
    EXPECT_EQ(AsApp(b_.id, "SELECT count(*) FROM " + table + " WHERE tenant_id = " + a), 0);
    EXPECT_EQ(AsApp(b_.id, "SELECT count(*) FROM " + table), 0) << "B sees no rows at all, filter or not";
    EXPECT_EQ(AsApp("", "SELECT count(*) FROM " + table), 0) << "no tenant set: nothing";
    try {
      EXPECT_EQ(AsApp(b_.id, "UPDATE " + table + " SET tenant_id = tenant_id WHERE tenant_id = " + a), 0);
    } catch (const pqxx::insufficient_privilege&) {
      // Not even granted: stronger still.
    }
    try {
      EXPECT_EQ(AsApp(b_.id, "DELETE FROM " + table + " WHERE tenant_id = " + a), 0);
    } catch (const pqxx::insufficient_privilege&) {
    }
    // Inserting a copy of A's row while acting as B is refused by the policy's WITH CHECK.
    std::string copy_of_a = "INSERT INTO " + table + " SELECT (json_populate_record(NULL::" + table + ", " +
                            owner.quote(pqxx::work(owner).exec("SELECT row_to_json(t)::text FROM " + table +
                                                               " t WHERE tenant_id = " + a + " LIMIT 1")[0][0].c_str()) +
                            ")).*";
    EXPECT_THROW(AsApp(b_.id, copy_of_a), pqxx::sql_error);
    EXPECT_GT(AsApp(a_.id, "SELECT count(*) FROM " + table + " WHERE tenant_id = " + a), 0) << "A's rows are intact";
  }
}

TEST_F(RowLevelSecurity, TheQueueIsOnlyReachableThroughItsFunctions) {
  EXPECT_EQ(AsApp("", "SELECT count(*) FROM jobs"), 0);
  auto stats = db_->GetQueueStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->queued + stats->running, 0);  // the one job is done
  EXPECT_THROW(AsApp("", "SET ROLE reflexio_queue"), pqxx::sql_error) << "the app cannot become the queue role";
}

TEST_F(RowLevelSecurity, ApplicationRoleIsNeitherOwnerNorSuperuserNorBypass) {
  pqxx::connection c(pg_.app_url());
  pqxx::work tx(c);
  auto row = tx.exec("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")[0];
  EXPECT_FALSE(row[0].as<bool>());
  EXPECT_FALSE(row[1].as<bool>());
  EXPECT_EQ(tx.exec("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")[0][0]
                .as<int>(), 0);
}

TEST(PostgresMigrations, FreshDatabaseMigratesAndAgainChangesNothing) {
  PostgresTestDatabase pg;  // the fixture has applied them once
  PostgresMigrationTarget target(pg.owner_url());
  auto again = ApplyMigrations(target, EmbeddedPostgresMigrations());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->already_applied, static_cast<int>(EmbeddedPostgresMigrations().size()));
  EXPECT_TRUE(VerifyMigrations(target, EmbeddedPostgresMigrations()).ok());
  EXPECT_TRUE(VerifyRowLevelSecurity(pg.owner_url()).ok()) << VerifyRowLevelSecurity(pg.owner_url()).ToString();
}

TEST(PostgresMigrations, EditingAnAppliedFileFailsVerify) {
  PostgresTestDatabase pg;
  auto migrations = EmbeddedPostgresMigrations();
  migrations[1].sql += "\n-- an innocent-looking edit\n";
  migrations[1].checksum = "edited";
  PostgresMigrationTarget target(pg.owner_url());
  Status verdict = VerifyMigrations(target, migrations);
  ASSERT_FALSE(verdict.ok());
  EXPECT_NE(verdict.message().find("0002_indexes.sql was changed"), std::string::npos) << verdict.message();
}

TEST(PostgresMigrations, DroppingAPolicyOrRlsOnAnyTenantTableFailsVerify) {
  PostgresTestDatabase pg;
  pqxx::connection owner(pg.owner_url());
  for (const auto& table : TenantTables(owner)) {
    SCOPED_TRACE(table);
    std::string policy = "CREATE POLICY tenant_isolation ON " + table +
                         " USING (tenant_id = current_setting('app.tenant_id', true))"
                         " WITH CHECK (tenant_id = current_setting('app.tenant_id', true))";
    // Other policies (an API key's or a session's lookup by hash) do not stand in for it.
    std::string drop = "DROP POLICY tenant_isolation ON " + table;
    const std::pair<std::string, std::string> breakages[] = {
        {"ALTER TABLE " + table + " NO FORCE ROW LEVEL SECURITY", "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY"},
        {"ALTER TABLE " + table + " DISABLE ROW LEVEL SECURITY", "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY"},
        {drop, policy}};
    for (const auto& [breakage, repair] : breakages) {
      pqxx::nontransaction(owner).exec(breakage);
      Status verdict = VerifyRowLevelSecurity(pg.owner_url());
      EXPECT_FALSE(verdict.ok()) << breakage;
      EXPECT_NE(verdict.message().find(table), std::string::npos) << verdict.message();
      pqxx::nontransaction(owner).exec(repair);
      EXPECT_TRUE(VerifyRowLevelSecurity(pg.owner_url()).ok()) << "repaired after: " << breakage;
    }
  }
}

}  // namespace
}  // namespace reflexio
