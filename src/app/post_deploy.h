// The after-deployment list of `reflexio check --post-deploy URL --key KEY`, run against a live
// server through its public API only: /health, an upload of a built-in clip of real speech, its
// transcript, today's digest built and sent to Telegram (when the server has it configured), and
// retention as a dry run. Each step is timed; a step after a failed one it depends on is skipped.
// Touches the data of the key's tenant (one recording, today's digest and its delivery). Not
// thread-safe.
#pragma once

#include <string>
#include <vector>

namespace reflexio {

struct StepResult {
  std::string step;
  bool passed = false;
  bool skipped = false;
  double seconds = 0;
  std::string detail;
};

std::vector<StepResult> RunPostDeploy(const std::string& base_url, const std::string& api_key,
                                      double transcript_timeout_s = 300);
bool AllStepsPassed(const std::vector<StepResult>& steps);
void PrintSteps(const std::vector<StepResult>& steps, bool as_json);

}  // namespace reflexio
