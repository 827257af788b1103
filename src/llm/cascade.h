// ProviderCascade: providers tried in order, each behind its own circuit breaker. A provider
// that fails — unreachable, timed out, refused, or answering with something that does not
// validate — counts a failure and the next one is asked; after `breaker_failures` failures in a
// row it is skipped for `cooldown_s`. The enrichment says in its notes what was skipped or
// failed and why. Put the embedded provider last and an episode is always understood.
// Thread-safe when the providers are.
#pragma once

#include <memory>
#include <vector>

#include "core/circuit_breaker.h"
#include "llm/provider.h"

namespace reflexio {

class ProviderCascade : public Provider {
 public:
  ProviderCascade(std::vector<std::shared_ptr<Provider>> providers, int breaker_failures, double cooldown_s,
                  const Clock& clock = SystemClock::Instance());
  std::string Name() const override { return "cascade"; }
  bool IsLocal() const override;
  Result<Enrichment> Enrich(const EpisodeTranscript& episode) override;

 private:
  std::vector<std::shared_ptr<Provider>> providers_;
  std::vector<CircuitBreaker> breakers_;
};

}  // namespace reflexio
