// Readiness gates: what `reflexio check` asks before a deployment takes traffic. Each gate looks
// at one part for real — it opens the database, writes a probe to the object store, transcribes a
// clip of real speech, calls each configured outside service with a request that changes nothing
// — and says what it found and, when it did not pass, what to do. Nothing a gate reports holds a
// secret.
//
// A gate fails when the part is required and broken, warns when something is off but the server
// can run (disk getting low, a transcript missing the words expected), and is skipped when its
// part is not configured. Not thread-safe; run the gates from one thread.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace reflexio {

struct GateResult {
  enum class State { kPass, kWarn, kFail, kSkip };
  std::string gate;
  State state = State::kPass;
  std::string detail;  // what was found
  std::string remedy;  // what to do, when it did not pass
};

const char* GateStateName(GateResult::State state);  // ok | warn | FAIL | skip

// Every gate, in the order an operator fixes things: settings, database, master key, object
// store, disk, clock, ASR, metrics, then the outside services that are configured.
std::vector<GateResult> RunReadinessGates(const Config& config);

// True when no gate failed (warnings and skips pass).
bool AllRequiredPass(const std::vector<GateResult>& results);

}  // namespace reflexio
