// How the server understands, from configuration: the embedded rules alone, or a chat model
// (REFLEXIO_LLM_*) tried first with the rules behind it in a cascade; every prompt passes the
// outbound guard (privacy/outbound_guard.h) with the model as its destination. And the optional
// Letta mirror of core memory (LETTA_API_URL), guarded the same way. Thread-safe.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/metrics.h"
#include "llm/provider.h"
#include "memory/letta_sync.h"
#include "storage/database.h"

namespace reflexio {

std::shared_ptr<Provider> MakeUnderstandingProvider(const Config& config, const Stores& stores, Metrics* metrics);
// Null when LETTA_API_URL is not set.
std::unique_ptr<LettaSync> MakeLettaSync(const Config& config, const Stores& stores, Metrics* metrics);

}  // namespace reflexio
