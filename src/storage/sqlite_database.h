// SqliteDatabase: the embedded default Database — one file, WAL, FTS5 for search.
//
// All calls are serialised through one connection and a mutex: SQLite allows one writer at a
// time anyway, and every call here is short (no audio or ASR work happens under the lock).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/mutex.h"
#include "core/time.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/sqlite.h"

namespace reflexio {

class SqliteDatabase : public Database {
 public:
  // Opens (creating if needed) and brings the schema up to date with `migrations`.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                      const std::vector<Migration>& migrations,
                                                      const Clock& clock = SystemClock::Instance());

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

 private:
  SqliteDatabase(std::unique_ptr<SqliteConnection> db, const Clock& clock) : db_(std::move(db)), clock_(clock) {}

  // Runs `body` under the mutex in one BEGIN IMMEDIATE transaction, committed when it returns
  // Ok and rolled back otherwise — the shape of PostgresDatabase::Transact. `tenant` names
  // whose rows the body touches (empty: none or all); SQLite has no row-level security, so
  // every statement filters by tenant itself.
  using Body = std::function<Status(SqliteConnection&)>;
  Status Transact(const std::string& tenant, const Body& body) EXCLUDES(mutex_);
  // The same for a body that returns a value.
  template <typename T, typename Fn>
  Result<T> Transact(const std::string& tenant, Fn&& body) EXCLUDES(mutex_) {
    std::optional<T> out;
    RETURN_IF_ERROR(Transact(tenant, Body([&](SqliteConnection& db) -> Status {
      Result<T> value = body(db);
      if (!value.ok()) return value.status();
      out.emplace(std::move(value).value());
      return Status::Ok();
    })));
    return std::move(*out);
  }

  // One connection, so one statement at a time: every method holds the mutex while it uses it.
  Mutex mutex_;
  std::unique_ptr<SqliteConnection> db_ GUARDED_BY(mutex_);
  const Clock& clock_;
};

}  // namespace reflexio
