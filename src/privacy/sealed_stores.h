// The sealing decorators: the four roles that hold what people said, wrapped so that none of it
// is stored in the clear. Each transcript segment's text, words and voice features are sealed
// together with the tenant's data key (crypto/sealed_text.h, bound to tenant, recording and
// segment number); the full-text index receives only blind-index tokens of the stemmed words
// (crypto/blind_index.h). Search turns the query's words into the same tokens, lets the backend
// rank, then opens each hit and builds its snippet from the plaintext. Insight bodies, digest
// contents and delivery messages are sealed, each bound to what it belongs to; core-memory dedup
// keys become keyed hashes.
//
// The other roles hold no words and are the backend's own (SealedStores::stores()). Search terms
// given to SealedTranscriptStore are words (normalised or not), not tokens. Thread-safe when the
// backend is.
#pragma once

#include <string>
#include <vector>

#include "privacy/keyring.h"
#include "storage/database.h"

namespace reflexio {

class SealedTranscriptStore : public TranscriptStore {
 public:
  SealedTranscriptStore(TranscriptStore& backend, Keyring& keyring) : backend_(backend), keyring_(keyring) {}

  Status CompleteTranscription(const Job& job, const Transcription& transcription) override;
  Result<std::vector<Segment>> GetSegments(const std::string& tenant_id, const std::string& recording_id) override;
  Result<std::vector<EpisodeSegment>> GetEpisodeSegments(const std::string& tenant_id,
                                                         const std::string& episode_id) override;
  Result<Page<SearchHit>> Search(const std::string& tenant_id, const std::vector<std::string>& words,
                                 const TimeRange& range, int limit, const std::string& cursor) override;

 private:
  Status OpenSegment(const std::string& tenant_key, const std::string& tenant_id, const std::string& recording_id,
                     Segment& segment) const;

  TranscriptStore& backend_;
  Keyring& keyring_;
};

class SealedInsightStore : public InsightStore {
 public:
  SealedInsightStore(InsightStore& backend, Keyring& keyring) : backend_(backend), keyring_(keyring) {}

  Status StoreEnrichment(const std::string& tenant_id, const std::string& episode_id,
                         const std::vector<Insight>& insights, TimePoint enriched_at) override;
  Result<Page<Insight>> ListInsights(const std::string& tenant_id, const InsightFilter& filter, int limit,
                                     const std::string& cursor) override;
  Result<std::optional<Insight>> GetInsight(const std::string& tenant_id, const std::string& id) override;
  Result<std::optional<Insight>> FindInsightByKey(const std::string& tenant_id, InsightScope scope,
                                                  InsightKind kind, const std::string& dedup_key) override;
  Status PutInsight(const Insight& insight) override;
  Status DeleteInsight(const std::string& tenant_id, const std::string& id) override {
    return backend_.DeleteInsight(tenant_id, id);
  }

 private:
  Status Seal(const std::string& tenant_key, Insight& insight) const;
  Status Open(const std::string& tenant_key, Insight& insight) const;

  InsightStore& backend_;
  Keyring& keyring_;
};

class SealedDigestStore : public DigestStore {
 public:
  SealedDigestStore(DigestStore& backend, Keyring& keyring) : backend_(backend), keyring_(keyring) {}

  Result<std::optional<Digest>> GetDigest(const std::string& tenant_id, const std::string& date) override;
  Status StoreDigest(const Digest& digest) override;
  Result<bool> ClaimDigestBuild(const std::string& tenant_id, const std::string& date, TimePoint lease_until) override {
    return backend_.ClaimDigestBuild(tenant_id, date, lease_until);
  }
  Result<Page<Digest>> ListDigests(const std::string& tenant_id, const std::string& from, const std::string& to,
                                   int limit, const std::string& cursor) override {
    return backend_.ListDigests(tenant_id, from, to, limit, cursor);  // listings carry no contents
  }
  Status DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) override {
    return backend_.DeleteDigestsBefore(tenant_id, date);
  }
  Result<DigestInputs> GetDigestInputs(const std::string& tenant_id, const std::string& date,
                                       const TimeRange& day) override {
    return backend_.GetDigestInputs(tenant_id, date, day);  // counts and times: nothing sealed
  }

 private:
  DigestStore& backend_;
  Keyring& keyring_;
};

class SealedDeliveryOutbox : public DeliveryOutbox {
 public:
  SealedDeliveryOutbox(DeliveryOutbox& backend, Keyring& keyring) : backend_(backend), keyring_(keyring) {}

  Result<bool> AddDelivery(const DigestDelivery& delivery, bool replace) override;
  Result<std::optional<DigestDelivery>> GetDelivery(const std::string& tenant_id, const std::string& date,
                                                    DeliveryOrigin origin) override;
  Result<std::vector<DigestDelivery>> ListDeliveries(const std::string& tenant_id, const std::string& date) override;
  Result<std::vector<DigestDelivery>> ClaimDeliveries(const std::string& tenant_id,
                                                      const std::optional<DeliveryKey>& only, TimePoint lease_until,
                                                      int limit) override;
  Status UpdateDelivery(const DigestDelivery& delivery) override { return backend_.UpdateDelivery(delivery); }
  Result<DeliveryStats> GetDeliveryStats(TimePoint failed_since) override {
    return backend_.GetDeliveryStats(failed_since);
  }

 private:
  Status Open(std::vector<DigestDelivery>& deliveries);

  DeliveryOutbox& backend_;
  Keyring& keyring_;
};

// Every role of `backend`, the four that hold words sealed. Neither copyable nor movable
// (stores() refers to its members); `backend` and `keyring` must outlive it.
class SealedStores {
 public:
  SealedStores(Database& backend, Keyring& keyring);
  SealedStores(const SealedStores&) = delete;
  SealedStores& operator=(const SealedStores&) = delete;

  const Stores& stores() const { return stores_; }

 private:
  SealedTranscriptStore transcripts_;
  SealedInsightStore insights_;
  SealedDigestStore digests_;
  SealedDeliveryOutbox outbox_;
  Stores stores_;
};

}  // namespace reflexio
