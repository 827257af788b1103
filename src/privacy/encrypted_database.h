// EncryptedDatabase: the Database every command uses, wrapping a backend so that no word a
// person said is stored in the clear. Each transcript segment's text and words are sealed
// together with the tenant's data key (crypto/sealed_text.h, bound to tenant, recording and
// segment number); the full-text index receives only blind-index tokens of the stemmed words
// (crypto/blind_index.h). Search turns the query's words into the same tokens, lets the
// backend rank, then opens each hit and builds its snippet from the plaintext.
//
// Search terms given to this class are words (normalised or not), not tokens. Everything else
// is passed through. Thread-safe when the backend is.
#pragma once

#include <memory>

#include "privacy/keyring.h"
#include "storage/database.h"

namespace reflexio {

class EncryptedDatabase : public Database {
 public:
  EncryptedDatabase(std::unique_ptr<Database> backend, Keyring& keyring)
      : backend_(std::move(backend)), keyring_(keyring) {}

  Database& backend() { return *backend_; }

  Result<Tenant> EnsureTenant(const std::string& name) override { return backend_->EnsureTenant(name); }
  Result<int64_t> CountTenants() override { return backend_->CountTenants(); }
  Status AddApiKey(const std::string& tenant_id, const std::string& key_hash,
                   const std::string& display_prefix) override {
    return backend_->AddApiKey(tenant_id, key_hash, display_prefix);
  }
  Result<std::optional<Tenant>> TenantForKeyHash(const std::string& key_hash) override {
    return backend_->TenantForKeyHash(key_hash);
  }
  Result<std::vector<Tenant>> ListTenants() override { return backend_->ListTenants(); }
  Result<std::optional<WrappedTenantKey>> GetTenantKey(const std::string& tenant_id) override {
    return backend_->GetTenantKey(tenant_id);
  }
  Result<WrappedTenantKey> AddTenantKey(const WrappedTenantKey& key) override { return backend_->AddTenantKey(key); }
  Status ReplaceTenantKey(const WrappedTenantKey& key, const std::string& expected_master_key_id) override {
    return backend_->ReplaceTenantKey(key, expected_master_key_id);
  }

  Result<InsertOutcome> InsertRecording(const Recording& recording, const std::string& job_kind,
                                        int max_attempts) override {
    return backend_->InsertRecording(recording, job_kind, max_attempts);
  }
  Result<std::optional<Recording>> FindByIdempotencyKey(const std::string& tenant_id, const std::string& key) override {
    return backend_->FindByIdempotencyKey(tenant_id, key);
  }
  Result<std::optional<Recording>> GetRecording(const std::string& tenant_id, const std::string& id) override {
    return backend_->GetRecording(tenant_id, id);
  }
  Result<Page<Recording>> ListRecordings(const std::string& tenant_id, const TimeRange& range, int limit,
                                         const std::string& cursor) override {
    return backend_->ListRecordings(tenant_id, range, limit, cursor);
  }
  Result<std::vector<Segment>> GetSegments(const std::string& tenant_id, const std::string& recording_id) override;
  Result<Page<SearchHit>> Search(const std::string& tenant_id, const std::vector<std::string>& words,
                                 const TimeRange& range, int limit, const std::string& cursor) override;

  Result<std::optional<Job>> ClaimJob(const std::string& owner, double lease_s) override {
    return backend_->ClaimJob(owner, lease_s);
  }
  Status RenewLease(const Job& job, double lease_s) override { return backend_->RenewLease(job, lease_s); }
  Status CompleteTranscription(const Job& job, const Transcription& transcription) override;
  Status FailJob(const Job& job, const std::string& error, double retry_in_s) override {
    return backend_->FailJob(job, error, retry_in_s);
  }
  Result<int64_t> ReleaseAllLeases() override { return backend_->ReleaseAllLeases(); }
  Result<QueueStats> GetQueueStats() override { return backend_->GetQueueStats(); }
  Result<int64_t> RollUpDailyUsage(const std::string& day) override { return backend_->RollUpDailyUsage(day); }
  Result<std::optional<DailyUsage>> GetDailyUsage(const std::string& tenant_id, const std::string& day) override {
    return backend_->GetDailyUsage(tenant_id, day);
  }
  Result<std::vector<UnassignedSegment>> ListUnassignedSegments(const std::string& tenant_id, int limit) override {
    return backend_->ListUnassignedSegments(tenant_id, limit);
  }
  Status AssignToEpisode(const Episode& episode, const std::vector<UnassignedSegment>& segments) override {
    return backend_->AssignToEpisode(episode, segments);
  }
  Result<std::vector<Episode>> ListOpenEpisodesQuietSince(const std::string& tenant_id, TimePoint cutoff) override {
    return backend_->ListOpenEpisodesQuietSince(tenant_id, cutoff);
  }
  Result<std::optional<TimePoint>> EarliestUnfinishedCapture(const std::string& tenant_id) override {
    return backend_->EarliestUnfinishedCapture(tenant_id);
  }
  Status CloseEpisode(const std::string& tenant_id, const std::string& episode_id, TimePoint closed_at) override {
    return backend_->CloseEpisode(tenant_id, episode_id, closed_at);
  }
  Result<Page<Episode>> ListEpisodes(const std::string& tenant_id, const TimeRange& range, int limit,
                                     const std::string& cursor) override {
    return backend_->ListEpisodes(tenant_id, range, limit, cursor);
  }
  Result<std::optional<Episode>> GetEpisode(const std::string& tenant_id, const std::string& id) override {
    return backend_->GetEpisode(tenant_id, id);
  }
  Result<std::vector<EpisodeSegment>> GetEpisodeSegments(const std::string& tenant_id,
                                                         const std::string& episode_id) override;
  Result<std::vector<Episode>> ListEpisodesToEnrich(const std::string& tenant_id, int limit) override {
    return backend_->ListEpisodesToEnrich(tenant_id, limit);
  }
  // Insight bodies are sealed (bound to tenant and insight id); dedup keys become keyed hashes.
  Status StoreEnrichment(const std::string& tenant_id, const std::string& episode_id,
                         const std::vector<Insight>& insights, TimePoint enriched_at) override;
  Result<Page<Insight>> ListInsights(const std::string& tenant_id, const InsightFilter& filter, int limit,
                                     const std::string& cursor) override;
  Result<std::optional<Insight>> GetInsight(const std::string& tenant_id, const std::string& id) override;
  Result<std::optional<Insight>> FindInsightByKey(const std::string& tenant_id, const std::string& scope,
                                                  const std::string& kind, const std::string& dedup_key) override;
  Status PutInsight(const Insight& insight) override;
  Status DeleteInsight(const std::string& tenant_id, const std::string& id) override {
    return backend_->DeleteInsight(tenant_id, id);
  }
  // Digest contents are sealed, each part bound to tenant, date and part.
  Result<std::optional<Digest>> GetDigest(const std::string& tenant_id, const std::string& date) override;
  Result<bool> ClaimDigestBuild(const std::string& tenant_id, const std::string& date, TimePoint lease_until) override {
    return backend_->ClaimDigestBuild(tenant_id, date, lease_until);
  }
  Status StoreDigest(const Digest& digest) override;
  Result<Page<Digest>> ListDigests(const std::string& tenant_id, const std::string& from, const std::string& to,
                                   int limit, const std::string& cursor) override {
    return backend_->ListDigests(tenant_id, from, to, limit, cursor);
  }
  Status DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) override {
    return backend_->DeleteDigestsBefore(tenant_id, date);
  }
  // A delivery's messages are sealed, each bound to tenant, date, origin and position.
  Result<bool> AddDelivery(const DigestDelivery& delivery, bool replace) override;
  Result<std::optional<DigestDelivery>> GetDelivery(const std::string& tenant_id, const std::string& date,
                                                    const std::string& origin) override;
  Result<std::vector<DigestDelivery>> ListDeliveries(const std::string& tenant_id, const std::string& date) override;
  Result<std::vector<DigestDelivery>> ClaimDeliveries(const std::string& tenant_id, const std::string& date,
                                                      const std::string& origin, TimePoint lease_until,
                                                      int limit) override;
  Status UpdateDelivery(const DigestDelivery& delivery) override { return backend_->UpdateDelivery(delivery); }
  Result<DeliveryStats> GetDeliveryStats(TimePoint failed_since) override {
    return backend_->GetDeliveryStats(failed_since);
  }
  Result<TenantSettings> GetTenantSettings(const std::string& tenant_id) override {
    return backend_->GetTenantSettings(tenant_id);
  }
  Status PutTenantSettings(const std::string& tenant_id, const TenantSettings& settings) override {
    return backend_->PutTenantSettings(tenant_id, settings);
  }
  Status AppendAudit(const AuditEntry& entry) override { return backend_->AppendAudit(entry); }
  Result<Page<AuditEntry>> ListAudit(const std::string& tenant_id, int limit, const std::string& cursor) override {
    return backend_->ListAudit(tenant_id, limit, cursor);
  }
  Result<std::vector<Recording>> ListFinishedCapturedBefore(const std::string& tenant_id, TimePoint cutoff,
                                                            bool with_audio_only, int limit) override {
    return backend_->ListFinishedCapturedBefore(tenant_id, cutoff, with_audio_only, limit);
  }
  Status ForgetAudio(const std::string& tenant_id, const std::string& recording_id) override {
    return backend_->ForgetAudio(tenant_id, recording_id);
  }
  Status DeleteRecording(const std::string& tenant_id, const std::string& recording_id) override {
    return backend_->DeleteRecording(tenant_id, recording_id);
  }
  // Deletes every row, the data key last; this process forgets the key at once.
  Status EraseTenantData(const std::string& tenant_id) override;
  Status CheckWritable() override { return backend_->CheckWritable(); }

 private:
  Status OpenSegment(const std::string& tenant_key, const std::string& tenant_id, const std::string& recording_id,
                     Segment& segment) const;
  Status OpenDeliveries(std::vector<DigestDelivery>& deliveries);
  Status SealInsight(const std::string& tenant_key, Insight& insight) const;
  Status OpenInsight(const std::string& tenant_key, Insight& insight) const;

  std::unique_ptr<Database> backend_;
  Keyring& keyring_;
};

}  // namespace reflexio
