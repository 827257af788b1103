// `reflexio check`: the readiness gates (app/readiness.h) as a table or JSON, and with
// --post-deploy the after-deployment list run against a live server over its API.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/flags.h"
#include "app/readiness.h"
#include "app/post_deploy.h"

namespace reflexio {

namespace {

using nlohmann::json;

void PrintTable(const std::vector<GateResult>& results) {
  std::printf("%-13s %-5s %s\n", "gate", "state", "detail");
  for (const GateResult& r : results) {
    std::printf("%-13s %-5s %s\n", r.gate.c_str(), GateStateName(r.state), r.detail.c_str());
    if (!r.remedy.empty()) std::printf("%-13s %-5s → %s\n", "", "", r.remedy.c_str());
  }
}

json ResultsJson(const std::vector<GateResult>& results) {
  json gates = json::array();
  for (const GateResult& r : results) {
    json gate = {{"gate", r.gate}, {"state", GateStateName(r.state)}, {"detail", r.detail}};
    if (!r.remedy.empty()) gate["remedy"] = r.remedy;
    gates.push_back(std::move(gate));
  }
  return {{"ok", AllRequiredPass(results)}, {"gates", gates}};
}

}  // namespace

int CheckCommand(const Args& args) {
  CommonFlags flags;
  std::string post_deploy_url, key;
  bool as_json = false;
  po::options_description options("options");
  AddCommonFlags(options, flags, /*with_port=*/false);
  options.add_options()("json", po::bool_switch(&as_json), "print the gates as one JSON object")
      ("post-deploy", po::value(&post_deploy_url)->value_name("URL"),
       "instead: run the after-deployment list against the server at URL (upload real speech, wait for its "
       "transcript, build today's digest, deliver it when Telegram is configured, retention as a dry run)")
      ("key", po::value(&key)->value_name("KEY"), "the API key --post-deploy uses (a tenant's; its data is touched)");
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio check [--json] [--data-dir DIR] [--config FILE]\n"
                         "       reflexio check --post-deploy URL --key KEY [--json]\n\n"
                         "Asks every part a deployment needs whether it is ready, with this machine's configuration:\n"
                         "settings for the configured features, the database (reachable, migrated, verified, RLS),\n"
                         "the master key against every tenant key, the object store (a probe written, read, deleted),\n"
                         "free disk, the clock, the ASR engine on a built-in clip of real speech, the metrics\n"
                         "exposition, and each configured outside service with a call that changes nothing.\n"
                         "Exit 0 only when no gate fails; warnings pass. Secrets are never printed.",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  if (!post_deploy_url.empty()) {
    if (key.empty()) return Fail("--post-deploy needs --key KEY: a tenant's API key", 2);
    std::vector<StepResult> steps = RunPostDeploy(post_deploy_url, key);
    PrintSteps(steps, as_json);
    return AllStepsPassed(steps) ? 0 : 1;
  }
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message(), 2);
  std::vector<GateResult> results = RunReadinessGates(*config);
  if (as_json) {
    std::cout << ResultsJson(results).dump(2) << "\n";
  } else {
    PrintTable(results);
  }
  return AllRequiredPass(results) ? 0 : 1;
}

}  // namespace reflexio
