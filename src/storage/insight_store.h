// InsightStore: what understanding concluded (episode insights) and the person's core memory.
// Bodies hold what people said, so the server uses this role only through the sealing decorator
// (privacy/sealed_stores.h). Every call names its tenant and sees only that tenant's rows.
// Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/insight.h"
#include "model/page.h"

namespace reflexio {

class InsightStore {
 public:
  virtual ~InsightStore() = default;

  // In one transaction: replaces the episode's insights with those of scope "episode" in
  // `insights`, stores (inserts or replaces by id) those of scope "core", and marks the episode
  // enriched at `enriched_at`.
  virtual Status StoreEnrichment(const std::string& tenant_id, const std::string& episode_id,
                                 const std::vector<Insight>& insights, TimePoint enriched_at) = 0;
  // Newest first (by `at`, then id).
  virtual Result<Page<Insight>> ListInsights(const std::string& tenant_id, const InsightFilter& filter, int limit,
                                             const std::string& cursor) = 0;
  virtual Result<std::optional<Insight>> GetInsight(const std::string& tenant_id, const std::string& id) = 0;
  virtual Result<std::optional<Insight>> FindInsightByKey(const std::string& tenant_id, InsightScope scope,
                                                          InsightKind kind, const std::string& dedup_key) = 0;
  // Inserts or replaces by id (kConflict when another entry has its dedup key).
  virtual Status PutInsight(const Insight& insight) = 0;
  virtual Status DeleteInsight(const std::string& tenant_id, const std::string& id) = 0;  // kNotFound if none
};

}  // namespace reflexio
