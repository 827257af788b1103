#include "privacy/sealed_stores.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "crypto/blind_index.h"
#include "crypto/sealed_text.h"
#include "storage/codecs.h"
#include "text/stem.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

BlobContext SegmentContext(const std::string& tenant_id, const std::string& recording_id, int seq) {
  return BlobContext{tenant_id, "segment/" + recording_id + "/" + std::to_string(seq)};
}

BlobContext InsightContext(const std::string& tenant_id, const std::string& insight_id) {
  return BlobContext{tenant_id, "insight/" + insight_id};
}

std::string BlindKey(const BlindIndex& index, InsightKind kind, const std::string& key) {
  return key.empty() ? "" : index.Token("insight-key/" + std::string(ToString(kind)) + "/" + key);
}

}  // namespace

namespace {
BlobContext DigestContext(const std::string& tenant_id, const std::string& date, const char* part) {
  return BlobContext{tenant_id, "digest/" + date + "/" + part};
}
}  // namespace

Status SealedDigestStore::StoreDigest(const Digest& digest) {
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(digest.tenant_id));
  Digest sealed = digest;
  for (auto [part, field] : {std::pair{"json", &sealed.content_json}, std::pair{"markdown", &sealed.markdown},
                             std::pair{"pdf", &sealed.pdf}}) {
    if (field->empty()) continue;
    ASSIGN_OR_RETURN(*field, SealText(tenant_key, DigestContext(digest.tenant_id, digest.date, part), *field));
  }
  return backend_.StoreDigest(sealed);
}

Result<std::optional<Digest>> SealedDigestStore::GetDigest(const std::string& tenant_id, const std::string& date) {
  ASSIGN_OR_RETURN(auto found, backend_.GetDigest(tenant_id, date));
  if (!found) return found;
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(tenant_id));
  for (auto [part, field] : {std::pair{"json", &found->content_json}, std::pair{"markdown", &found->markdown},
                             std::pair{"pdf", &found->pdf}}) {
    if (field->empty()) continue;
    ASSIGN_OR_RETURN(*field, OpenText(tenant_key, DigestContext(tenant_id, date, part), *field));
  }
  return found;
}

namespace {
BlobContext DeliveryContext(const DigestDelivery& d, size_t position) {
  return BlobContext{d.tenant_id, "delivery/" + d.date + "/" + ToString(d.origin) + "/" + std::to_string(position)};
}
}  // namespace

Result<bool> SealedDeliveryOutbox::AddDelivery(const DigestDelivery& delivery, bool replace) {
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(delivery.tenant_id));
  DigestDelivery sealed = delivery;
  for (size_t i = 0; i < sealed.messages.size(); ++i) {
    ASSIGN_OR_RETURN(sealed.messages[i], SealText(tenant_key, DeliveryContext(delivery, i), sealed.messages[i]));
  }
  return backend_.AddDelivery(sealed, replace);
}

Status SealedDeliveryOutbox::Open(std::vector<DigestDelivery>& deliveries) {
  for (DigestDelivery& d : deliveries) {
    ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(d.tenant_id));
    for (size_t i = 0; i < d.messages.size(); ++i) {
      ASSIGN_OR_RETURN(d.messages[i], OpenText(tenant_key, DeliveryContext(d, i), d.messages[i]));
    }
  }
  return Status::Ok();
}

Result<std::optional<DigestDelivery>> SealedDeliveryOutbox::GetDelivery(const std::string& tenant_id,
                                                                     const std::string& date,
                                                                     DeliveryOrigin origin) {
  ASSIGN_OR_RETURN(auto found, backend_.GetDelivery(tenant_id, date, origin));
  if (!found) return found;
  std::vector<DigestDelivery> one{std::move(*found)};
  RETURN_IF_ERROR(Open(one));
  return std::optional<DigestDelivery>(std::move(one[0]));
}

Result<std::vector<DigestDelivery>> SealedDeliveryOutbox::ListDeliveries(const std::string& tenant_id,
                                                                      const std::string& date) {
  ASSIGN_OR_RETURN(auto found, backend_.ListDeliveries(tenant_id, date));
  RETURN_IF_ERROR(Open(found));
  return found;
}

Result<std::vector<DigestDelivery>> SealedDeliveryOutbox::ClaimDeliveries(const std::string& tenant_id,
                                                                       const std::optional<DeliveryKey>& only,
                                                                       TimePoint lease_until, int limit) {
  ASSIGN_OR_RETURN(auto claimed, backend_.ClaimDeliveries(tenant_id, only, lease_until, limit));
  RETURN_IF_ERROR(Open(claimed));
  return claimed;
}

Status SealedInsightStore::Seal(const std::string& tenant_key, Insight& insight) const {
  ASSIGN_OR_RETURN(insight.body, SealText(tenant_key, InsightContext(insight.tenant_id, insight.id), insight.body));
  insight.dedup_key = BlindKey(BlindIndex(tenant_key), insight.kind, insight.dedup_key);
  return Status::Ok();
}

Status SealedInsightStore::Open(const std::string& tenant_key, Insight& insight) const {
  ASSIGN_OR_RETURN(insight.body, OpenText(tenant_key, InsightContext(insight.tenant_id, insight.id), insight.body));
  insight.dedup_key.clear();  // a keyed hash: of no use to a reader, and writers give the key in the clear
  return Status::Ok();
}

Result<std::vector<EpisodeSegment>> SealedTranscriptStore::GetEpisodeSegments(const std::string& tenant_id,
                                                                         const std::string& episode_id) {
  ASSIGN_OR_RETURN(auto segments, backend_.GetEpisodeSegments(tenant_id, episode_id));
  if (segments.empty()) return segments;
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(tenant_id));
  for (EpisodeSegment& s : segments) RETURN_IF_ERROR(OpenSegment(tenant_key, tenant_id, s.recording_id, s.segment));
  return segments;
}

Status SealedInsightStore::StoreEnrichment(const std::string& tenant_id, const std::string& episode_id,
                                          const std::vector<Insight>& insights, TimePoint enriched_at) {
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(tenant_id));
  std::vector<Insight> sealed = insights;
  for (Insight& insight : sealed) RETURN_IF_ERROR(Seal(tenant_key, insight));
  return backend_.StoreEnrichment(tenant_id, episode_id, sealed, enriched_at);
}

Result<Page<Insight>> SealedInsightStore::ListInsights(const std::string& tenant_id, const InsightFilter& filter,
                                                      int limit, const std::string& cursor) {
  ASSIGN_OR_RETURN(auto page, backend_.ListInsights(tenant_id, filter, limit, cursor));
  if (page.items.empty()) return page;
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(tenant_id));
  for (Insight& insight : page.items) RETURN_IF_ERROR(Open(tenant_key, insight));
  return page;
}

Result<std::optional<Insight>> SealedInsightStore::GetInsight(const std::string& tenant_id, const std::string& id) {
  ASSIGN_OR_RETURN(auto found, backend_.GetInsight(tenant_id, id));
  if (!found) return found;
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(tenant_id));
  RETURN_IF_ERROR(Open(tenant_key, *found));
  return found;
}

Result<std::optional<Insight>> SealedInsightStore::FindInsightByKey(const std::string& tenant_id,
                                                                  InsightScope scope, InsightKind kind,
                                                                  const std::string& dedup_key) {
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(tenant_id));
  ASSIGN_OR_RETURN(auto found,
                   backend_.FindInsightByKey(tenant_id, scope, kind, BlindKey(BlindIndex(tenant_key), kind, dedup_key)));
  if (!found) return found;
  RETURN_IF_ERROR(Open(tenant_key, *found));
  return found;
}

Status SealedInsightStore::PutInsight(const Insight& insight) {
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(insight.tenant_id));
  Insight sealed = insight;
  RETURN_IF_ERROR(Seal(tenant_key, sealed));
  return backend_.PutInsight(sealed);
}

Status SealedTranscriptStore::CompleteTranscription(const Job& job, const Transcription& transcription) {
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(job.tenant_id));
  BlindIndex index(tenant_key);
  Transcription sealed = transcription;
  for (Segment& segment : sealed.segments) {
    json content = {{"text", segment.text}, {"words", json::parse(WordsToJson(segment.words))}};
    if (!segment.prosody_json.empty()) content["prosody"] = json::parse(segment.prosody_json, nullptr, false);
    ASSIGN_OR_RETURN(segment.text, SealText(tenant_key, SegmentContext(job.tenant_id, job.recording_id, segment.seq),
                                            content.dump()));
    // What the quality gate calls garbage (loops, hallucinated phrases) is kept but never found.
    segment.index_terms = segment.quality == "garbage" ? "" : index.Document(SearchStems(content["text"].get<std::string>()));
    segment.words.clear();
    segment.prosody_json.clear();
  }
  return backend_.CompleteTranscription(job, sealed);
}

Status SealedTranscriptStore::OpenSegment(const std::string& tenant_key, const std::string& tenant_id,
                                      const std::string& recording_id, Segment& segment) const {
  ASSIGN_OR_RETURN(std::string opened,
                   OpenText(tenant_key, SegmentContext(tenant_id, recording_id, segment.seq), segment.text));
  json content = json::parse(opened, nullptr, /*allow_exceptions=*/false);
  if (!content.is_object() || !content["text"].is_string()) {
    return Status(ErrorCode::kInternal, "blob_integrity", "segment " + std::to_string(segment.seq) + " of " +
                                                              recording_id + " opened to something that is not a segment");
  }
  segment.text = content["text"].get<std::string>();
  segment.words = WordsFromJson(content["words"].dump());
  if (content.contains("prosody") && content["prosody"].is_object()) segment.prosody_json = content["prosody"].dump();
  segment.index_terms.clear();  // tokens are of no use to a reader
  return Status::Ok();
}

Result<std::vector<Segment>> SealedTranscriptStore::GetSegments(const std::string& tenant_id,
                                                           const std::string& recording_id) {
  ASSIGN_OR_RETURN(auto segments, backend_.GetSegments(tenant_id, recording_id));
  if (segments.empty()) return segments;
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(tenant_id));
  for (Segment& segment : segments) RETURN_IF_ERROR(OpenSegment(tenant_key, tenant_id, recording_id, segment));
  return segments;
}

Result<Page<SearchHit>> SealedTranscriptStore::Search(const std::string& tenant_id, const std::vector<std::string>& words,
                                                  const TimeRange& range, int limit, const std::string& cursor) {
  std::vector<std::string> stems;
  for (const auto& word : words) {
    for (auto& stem : SearchStems(word)) {
      if (std::find(stems.begin(), stems.end(), stem) == stems.end()) stems.push_back(std::move(stem));
    }
  }
  if (stems.empty()) return InvalidArgument("the search query has no words", "empty_query");
  ASSIGN_OR_RETURN(std::string tenant_key, keyring_.TenantKey(tenant_id));
  BlindIndex index(tenant_key);
  std::vector<std::string> tokens;
  for (const auto& stem : stems) tokens.push_back(index.Token(stem));
  ASSIGN_OR_RETURN(auto page, backend_.Search(tenant_id, tokens, range, limit, cursor));
  for (SearchHit& hit : page.items) {
    RETURN_IF_ERROR(OpenSegment(tenant_key, tenant_id, hit.recording_id, hit.segment));
    hit.snippet = MarkStems(hit.segment.text, stems);
  }
  return page;
}

SealedStores::SealedStores(Database& backend, Keyring& keyring)
    : transcripts_(backend, keyring),
      insights_(backend, keyring),
      digests_(backend, keyring),
      outbox_(backend, keyring),
      stores_{backend, backend, backend, backend, transcripts_, backend, insights_, digests_, outbox_, backend, backend, backend, backend, backend} {}

}  // namespace reflexio
