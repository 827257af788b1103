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

  Result<Tenant> EnsureTenant(const std::string& name) override;
  Result<int64_t> CountTenants() override;
  Status AddApiKey(const std::string& tenant_id, const std::string& key_hash,
                   const std::string& display_prefix) override;
  Result<std::optional<Tenant>> TenantForKeyHash(const std::string& key_hash) override;
  Result<std::vector<Tenant>> ListTenants() override;
  Result<std::optional<WrappedTenantKey>> GetTenantKey(const std::string& tenant_id) override;
  Result<WrappedTenantKey> AddTenantKey(const WrappedTenantKey& key) override;
  Status ReplaceTenantKey(const WrappedTenantKey& key, const std::string& expected_master_key_id) override;

  Result<InsertOutcome> InsertRecording(const Recording& recording, const std::string& job_kind,
                                        int max_attempts) override;
  Result<std::optional<Recording>> FindByIdempotencyKey(const std::string& tenant_id, const std::string& key) override;
  Result<std::optional<Recording>> GetRecording(const std::string& tenant_id, const std::string& id) override;
  Result<Page<Recording>> ListRecordings(const std::string& tenant_id, const TimeRange& range, int limit,
                                         const std::string& cursor) override;
  Result<std::vector<Segment>> GetSegments(const std::string& tenant_id, const std::string& recording_id) override;
  Result<Page<SearchHit>> Search(const std::string& tenant_id, const std::vector<std::string>& terms,
                                 const TimeRange& range, int limit, const std::string& cursor) override;

  Result<std::optional<Job>> ClaimJob(const std::string& owner, double lease_s) override;
  Status RenewLease(const Job& job, double lease_s) override;
  Status CompleteTranscription(const Job& job, const Transcription& transcription) override;
  Status FailJob(const Job& job, const std::string& error, double retry_in_s) override;
  Result<int64_t> ReleaseAllLeases() override;
  Result<QueueStats> GetQueueStats() override;
  Status CheckWritable() override;
  Result<int64_t> RollUpDailyUsage(const std::string& day) override;
  Result<std::optional<DailyUsage>> GetDailyUsage(const std::string& tenant_id, const std::string& day) override;
  Result<std::vector<UnassignedSegment>> ListUnassignedSegments(const std::string& tenant_id, int limit) override;
  Status AssignToEpisode(const Episode& episode, const std::vector<UnassignedSegment>& segments) override;
  Result<std::vector<Episode>> ListOpenEpisodesQuietSince(const std::string& tenant_id, TimePoint cutoff) override;
  Result<std::optional<TimePoint>> EarliestUnfinishedCapture(const std::string& tenant_id) override;
  Status CloseEpisode(const std::string& tenant_id, const std::string& episode_id, TimePoint closed_at) override;
  Result<Page<Episode>> ListEpisodes(const std::string& tenant_id, const TimeRange& range, int limit,
                                     const std::string& cursor) override;
  Result<std::optional<Episode>> GetEpisode(const std::string& tenant_id, const std::string& id) override;
  Result<std::vector<EpisodeSegment>> GetEpisodeSegments(const std::string& tenant_id,
                                                         const std::string& episode_id) override;
  Result<std::vector<Episode>> ListEpisodesToEnrich(const std::string& tenant_id, int limit) override;
  Status StoreEnrichment(const std::string& tenant_id, const std::string& episode_id,
                         const std::vector<Insight>& insights, TimePoint enriched_at) override;
  Result<Page<Insight>> ListInsights(const std::string& tenant_id, const InsightFilter& filter, int limit,
                                     const std::string& cursor) override;
  Result<std::optional<Insight>> GetInsight(const std::string& tenant_id, const std::string& id) override;
  Result<std::optional<Insight>> FindInsightByKey(const std::string& tenant_id, InsightScope scope,
                                                  InsightKind kind, const std::string& dedup_key) override;
  Status PutInsight(const Insight& insight) override;
  Status DeleteInsight(const std::string& tenant_id, const std::string& id) override;
  Result<std::optional<Digest>> GetDigest(const std::string& tenant_id, const std::string& date) override;
  Result<bool> ClaimDigestBuild(const std::string& tenant_id, const std::string& date, TimePoint lease_until) override;
  Status StoreDigest(const Digest& digest) override;
  Result<Page<Digest>> ListDigests(const std::string& tenant_id, const std::string& from, const std::string& to,
                                   int limit, const std::string& cursor) override;
  Status DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) override;
  Result<DigestInputs> GetDigestInputs(const std::string& tenant_id, const std::string& date,
                                       const TimeRange& day) override;
  Result<bool> AddDelivery(const DigestDelivery& delivery, bool replace) override;
  Result<std::optional<DigestDelivery>> GetDelivery(const std::string& tenant_id, const std::string& date,
                                                    DeliveryOrigin origin) override;
  Result<std::vector<DigestDelivery>> ListDeliveries(const std::string& tenant_id, const std::string& date) override;
  Result<std::vector<DigestDelivery>> ClaimDeliveries(const std::string& tenant_id,
                                                      const std::optional<DeliveryKey>& only, TimePoint lease_until,
                                                      int limit) override;
  Status UpdateDelivery(const DigestDelivery& delivery) override;
  Result<DeliveryStats> GetDeliveryStats(TimePoint failed_since) override;
  Result<TenantSettings> GetTenantSettings(const std::string& tenant_id) override;
  Status PutTenantSettings(const std::string& tenant_id, const TenantSettings& settings) override;
  Status AppendAudit(const AuditEntry& entry) override;
  Result<Page<AuditEntry>> ListAudit(const std::string& tenant_id, int limit, const std::string& cursor) override;
  Result<std::vector<Recording>> ListFinishedCapturedBefore(const std::string& tenant_id, TimePoint cutoff,
                                                            bool with_audio_only, int limit) override;
  Status ForgetAudio(const std::string& tenant_id, const std::string& recording_id) override;
  Status DeleteRecording(const std::string& tenant_id, const std::string& recording_id) override;
  Status EraseTenantData(const std::string& tenant_id) override;

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
// enabled and forced and at least one policy; returns what is missing otherwise.
Status VerifyRowLevelSecurity(const std::string& url);

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
