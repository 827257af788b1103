// CoreMemory: what Reflexio knows about the person for good — people and how they relate,
// places, preferences, recurring topics, open commitments — learned from each enriched episode
// and kept readable and editable by the person.
//
// Each entry is an Insight of scope "core" whose dedup key is its kind's normal form of the
// label (names lower-cased; topics and commitments as word stems), so "Stella" said in five
// conversations is one entry with five episodes of evidence, not five. Learning adds evidence
// (the newest kMaxEvidence segments are kept), counts mentions and episodes, and fills a
// missing detail (a relation) — but never overwrites what the person edited. Confidence is by
// repetition: 1 − 0.5^episodes, with basis "repetition". Entries the person deletes are gone;
// a later mention learns them afresh.
//
// PromptContext renders the active entries, most established first, within a character budget,
// for enrichment prompts. Thread-compatible; the database calls are thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "model/insight_body.h"
#include "storage/insight_store.h"

namespace reflexio {

class CoreMemory {
 public:
  static constexpr size_t kMaxEvidence = 20;
  explicit CoreMemory(InsightStore& insights, const Clock& clock = SystemClock::Instance()) : insights_(insights), clock_(clock) {}

  // The dedup key of a label of `kind`; empty when the label has no words.
  static std::string KeyOf(InsightKind kind, const std::string& label);

  // The core entries to store with an episode's enrichment (new ones, and existing ones with
  // this episode's evidence added), learned from the episode's insights (their bodies as the
  // enricher writes them).
  Result<std::vector<Insight>> Learn(const std::string& tenant_id, const std::string& episode_id,
                                     const std::vector<Insight>& episode_insights);

  // Active entries as prompt lines, at most `max_chars`; empty when memory is empty.
  Result<std::string> PromptContext(const std::string& tenant_id, size_t max_chars = 1500) const;

  // The person's edit: a new label and/or detail, or state "done"/"active". kNotFound for
  // an id that is not the tenant's core entry; kConflict when the new label is another entry's.
  Result<Insight> Edit(const std::string& tenant_id, const std::string& id, const nlohmann::json& change);

 private:
  InsightStore& insights_;
  const Clock& clock_;
};

// Which core kind an episode insight teaches, if any ("person" → person; an open commitment
// by the speaker → commitment; …).
std::optional<InsightKind> CoreKindFor(const Insight& episode_insight, const EpisodeInsightBody& body);

}  // namespace reflexio
