// Provider: the one interface behind which episodes are understood. EmbeddedProvider works
// with no network; ChatProvider asks any OpenAI-compatible model; ProviderCascade tries them in
// order (circuit breakers, fallback when an answer fails validation), ending with the embedded
// one so an episode is always enriched. Implementations are thread-safe.
#pragma once

#include <string>

#include "core/status.h"
#include "llm/enrichment.h"

namespace reflexio {

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string Name() const = 0;
  // True when nothing the person said leaves this machine.
  virtual bool IsLocal() const = 0;
  virtual Result<Enrichment> Enrich(const EpisodeTranscript& episode) = 0;
};

}  // namespace reflexio
