#include "app/post_deploy.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/speech_clip.h"
#include "core/http_client.h"
#include "core/strings.h"

namespace reflexio {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class Api {
 public:
  Api(const std::string& base_url, std::string key) : base_(WithoutTrailingSlashes(base_url)), key_(std::move(key)) {}
  Result<HttpResponse> Send(const std::string& method, const std::string& path, const std::string& body = "",
                            const std::string& type = "") {
    HttpRequest request{.method = method, .url = base_ + path, .body = body, .timeout_s = 60};
    request.headers.emplace_back("Authorization", "Bearer " + key_);
    if (!type.empty()) request.headers.emplace_back("Content-Type", type);
    return http_.Send(request);
  }

 private:
  std::string base_, key_;
  CurlHttpClient http_;
};

std::string Answered(const Result<HttpResponse>& r) {
  if (!r.ok()) return r.status().message();
  return "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 300);
}

// Runs `work`, timing it; `work` fills detail and returns whether it passed.
template <typename Work>
StepResult Step(const std::string& name, Work&& work) {
  StepResult step{name};
  auto started = Clock::now();
  step.passed = work(step.detail);
  step.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return step;
}

StepResult Skipped(const std::string& name, const std::string& why) { return {name, false, true, 0, why}; }

}  // namespace

std::vector<StepResult> RunPostDeploy(const std::string& base_url, const std::string& api_key,
                                      double transcript_timeout_s) {
  Api api(base_url, api_key);
  std::vector<StepResult> steps;
  steps.push_back(Step("health", [&](std::string& detail) {
    auto r = api.Send("GET", "/health");
    detail = r.ok() ? "HTTP " + std::to_string(r->status) + ", " + json::parse(r->body, nullptr, false).value("status", "?")
                    : r.status().message();
    return r.ok() && r->status == 200;
  }));
  std::string id;
  steps.push_back(Step("upload", [&](std::string& detail) {
    std::string clip(SpeechClip());
    auto r = api.Send("POST", "/v1/recordings", clip, "audio/wav");
    if (!r.ok() || r->status != 202) return detail = Answered(r), false;
    id = json::parse(r->body, nullptr, false).value("id", "");
    detail = "recording " + id + " (" + std::to_string(clip.size()) + " bytes of real speech) accepted";
    return !id.empty();
  }));
  if (id.empty()) {
    steps.push_back(Skipped("transcript", "nothing was uploaded"));
  } else {
    steps.push_back(Step("transcript", [&](std::string& detail) {
      auto deadline = Clock::now() + std::chrono::duration<double>(transcript_timeout_s);
      std::string status;
      while (Clock::now() < deadline) {
        auto r = api.Send("GET", "/v1/recordings/" + id);
        status = r.ok() ? json::parse(r->body, nullptr, false).value("status", "?") : "unreachable";
        if (status == "transcribed" || status == "failed") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
      if (status != "transcribed") return detail = "recording " + id + " is " + status, false;
      auto r = api.Send("GET", "/v1/recordings/" + id + "/transcript");
      json transcript = r.ok() ? json::parse(r->body, nullptr, false) : json();
      if (!transcript.is_object() || transcript.value("segments", json::array()).empty()) {
        return detail = "transcribed, but no segments: " + Answered(r), false;
      }
      std::string text;
      for (const json& segment : transcript["segments"]) text += (text.empty() ? "" : " ") + segment.value("text", "");
      detail = "heard \"" + text + "\"";
      return true;
    }));
  }
  steps.push_back(Step("digest", [&](std::string& detail) {
    auto r = api.Send("POST", "/v1/digests/today/generate");
    if (!r.ok() || (r->status != 200 && r->status != 202)) return detail = Answered(r), false;
    json digest = json::parse(r->body, nullptr, false);
    detail = "today's digest (" + digest.value("date", "?") + ") " + (r->status == 200 ? "built" : "being built");
    return true;
  }));
  steps.push_back(Step("delivery", [&](std::string& detail) {
    auto r = api.Send("POST", "/v1/digests/today/deliver");
    json body = r.ok() ? json::parse(r->body, nullptr, false) : json();
    if (r.ok() && r->status == 409 && body.is_object() &&
        body["error"].value("code", "") == "telegram_not_configured") {
      return detail = "skipped: the server has no TELEGRAM_BOT_TOKEN", true;
    }
    if (!r.ok() || r->status != 200 || !body.is_object()) return detail = Answered(r), false;
    std::string state = body.value("state", "?");
    detail = "today's digest to Telegram: " + state;
    if (body["error"].is_string()) detail += " (" + body["error"].get<std::string>() + ")";
    return state == "sent" || state == "skipped";
  }));
  steps.push_back(Step("retention", [&](std::string& detail) {
    auto r = api.Send("GET", "/v1/privacy/retention");
    json body = r.ok() ? json::parse(r->body, nullptr, false) : json();
    if (!r.ok() || r->status != 200 || !body.is_object()) return detail = Answered(r), false;
    detail = "a dry run would delete the audio of " + std::to_string(body.value("audio", 0)) + ", " +
             std::to_string(body.value("recordings", 0)) + " recording(s) and " +
             std::to_string(body.value("digests", 0)) + " digest(s)";
    return true;
  }));
  return steps;
}

bool AllStepsPassed(const std::vector<StepResult>& steps) {
  for (const StepResult& step : steps) {
    if (!step.passed) return false;
  }
  return true;
}

void PrintSteps(const std::vector<StepResult>& steps, bool as_json) {
  if (as_json) {
    json out = json::array();
    for (const StepResult& s : steps) {
      out.push_back({{"step", s.step}, {"state", s.skipped ? "skip" : s.passed ? "ok" : "FAIL"},
                     {"seconds", s.seconds}, {"detail", s.detail}});
    }
    std::cout << json{{"ok", AllStepsPassed(steps)}, {"steps", out}}.dump(2) << "\n";
    return;
  }
  std::printf("%-11s %-5s %8s  %s\n", "step", "state", "time", "detail");
  for (const StepResult& s : steps) {
    std::printf("%-11s %-5s %7.2fs  %s\n", s.step.c_str(), s.skipped ? "skip" : s.passed ? "ok" : "FAIL", s.seconds,
                s.detail.c_str());
  }
}

}  // namespace reflexio
