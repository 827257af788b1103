#include "llm/cascade.h"

#include "core/log.h"

namespace reflexio {

ProviderCascade::ProviderCascade(std::vector<std::shared_ptr<Provider>> providers, int breaker_failures,
                                 double cooldown_s, const Clock& clock)
    : providers_(std::move(providers)), breakers_(providers_.size(), CircuitBreaker(breaker_failures, cooldown_s, clock)) {}

bool ProviderCascade::IsLocal() const {
  for (const auto& p : providers_) {
    if (!p->IsLocal()) return false;
  }
  return true;
}

Result<Enrichment> ProviderCascade::Enrich(const EpisodeTranscript& episode) {
  std::vector<std::string> notes;
  Status last = Unavailable("no understanding provider is configured", "no_provider");
  for (size_t i = 0; i < providers_.size(); ++i) {
    Provider& provider = *providers_[i];
    if (!breakers_[i].Allow()) {
      notes.push_back("skipped " + provider.Name() + ": it failed repeatedly and is resting");
      continue;
    }
    auto result = provider.Enrich(episode);
    if (result.ok()) {
      breakers_[i].RecordSuccess();
      Enrichment enrichment = std::move(*result);
      enrichment.notes.insert(enrichment.notes.begin(), notes.begin(), notes.end());
      return enrichment;
    }
    last = result.status();
    // A refusal by the outbound guard is the tenant's choice, not a sick provider.
    if (last.code() != ErrorCode::kPermissionDenied && breakers_[i].RecordFailure()) {
      LOG_WARN("understanding provider " << provider.Name() << " failed " << breakers_[i].consecutive_failures()
                                         << " times in a row; resting it");
    }
    notes.push_back("fell back from " + provider.Name() + ": " + last.message());
  }
  return last;
}

}  // namespace reflexio
