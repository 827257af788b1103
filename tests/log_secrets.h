// What a server's log must never hold: API keys, the secrets it was configured with (tokens,
// passwords, the master key) and words people said in the test recordings. Every ServerProcess
// and WorkerProcess checks its own stderr against these when it goes away, so every log the
// integration suites produce is checked.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace reflexio::testing {

// One line per leak found ("an API key", "the value of TELEGRAM_BOT_TOKEN", "the spoken word
// 'antecedents'"); empty when the log is clean. `key_files` are master-key files whose contents
// are secret.
std::vector<std::string> LeaksInLog(const std::string& log, const std::map<std::string, std::string>& env,
                                    const std::vector<std::string>& key_files);

// Fails the running test with each leak LeaksInLog finds in `log` (named by `who`).
void ExpectNoLeaksInLog(const std::string& who, const std::string& log,
                        const std::map<std::string, std::string>& env, const std::vector<std::string>& key_files);

}  // namespace reflexio::testing
