#include "llm/chat_provider.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "llm/embedded_provider.h"
#include "llm/json_schema.h"
#include "llm/prompts.h"
#include "text/dates.h"
#include "text/keywords.h"
#include "text/normalize.h"
#include "text/stem.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

struct Answer {
  json value;
  ChatResponse response;
  bool repaired = false;
};

// Checks an answer against the transcript: "" when it holds, else what is wrong.
using Verifier = std::function<std::string(const json&)>;

std::string ClockTime(TimePoint t, int offset_minutes) {
  auto seconds = static_cast<long long>(ToUnixSeconds(t)) + offset_minutes * 60LL;
  long long day_seconds = ((seconds % 86400) + 86400) % 86400;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", day_seconds / 3600, day_seconds / 60 % 60, day_seconds % 60);
  return buf;
}

class Conversation {
 public:
  Conversation(ChatClient& client, std::vector<std::string>& steps) : client_(client), steps_(steps) {}

  Result<Answer> Ask(std::vector<ChatMessage> messages, const std::string& schema_name, const json& schema,
                     const std::string& step, const Verifier& verify = nullptr) {
    ASSIGN_OR_RETURN(JsonSchema validator, JsonSchema::Parse(schema));
    for (int attempt = 0; attempt < 2; ++attempt) {
      steps_.push_back(attempt == 0 ? step : step + ":repair");
      ASSIGN_OR_RETURN(ChatResponse response, client_.Complete(ChatRequest{messages, schema_name, schema}));
      std::string problem;
      auto parsed = ParseModelJson(response.content);
      if (!parsed.ok()) {
        problem = parsed.status().message();
      } else if (Status valid = validator.Validate(*parsed); !valid.ok()) {
        problem = valid.message();
      } else if (verify) {
        problem = verify(*parsed);
      }
      if (problem.empty()) return Answer{std::move(*parsed), std::move(response), attempt > 0};
      if (attempt == 1) {
        return InvalidArgument("the chat model's " + step + " answer failed validation after a repair: " + problem,
                               "llm_invalid_answer");
      }
      messages.push_back({"assistant", response.content});
      messages.push_back({"user", prompts::Repair(problem)});
    }
    return Internal("unreachable");
  }

 private:
  ChatClient& client_;
  std::vector<std::string>& steps_;
};

Confidence FromLogprobs(const ChatResponse& response, size_t window) {
  auto score = ComputeDeepConf(response.logprobs, window);
  if (!score) return Confidence::Unknown();
  Confidence c;
  c.value = score->lowest_group;
  c.basis = "deepconf";
  c.detail = {{"lowest_group", score->lowest_group}, {"bottom_10_percent", score->bottom_10_percent},
              {"tail", score->tail}, {"mean_token", score->mean_token}, {"tokens", score->tokens},
              {"window", score->window}};
  return c;
}

}  // namespace

ChatProvider::ChatProvider(std::shared_ptr<ChatClient> client, PromptGuard guard, ChatProviderOptions options)
    : client_(std::move(client)), guard_(std::move(guard)), options_(options) {}

Result<Enrichment> ChatProvider::Enrich(const EpisodeTranscript& episode) {
  Enrichment out;
  out.method = Method{"chat", client_->config().model, prompts::kPromptVersion, {}};
  std::string note;
  std::vector<int> pool = UsableUtterances(episode, &note);
  if (!note.empty()) out.notes.push_back(note);
  if (pool.empty()) {
    out.notes.push_back("nothing usable was said");
    return out;
  }
  const auto& u = episode.utterances;
  std::string transcript, source;
  for (size_t n = 0; n < pool.size(); ++n) {
    const Utterance& utterance = u[static_cast<size_t>(pool[n])];
    transcript += "U" + std::to_string(n + 1) + " [" + ClockTime(utterance.captured_at, episode.utc_offset_minutes) +
                  "]" + (utterance.quality == "uncertain" ? " (uncertain)" : "") + ": " + utterance.text + "\n";
    source += utterance.text + "\n";
  }
  // Nothing reaches the model that the outbound guard did not pass.
  ASSIGN_OR_RETURN(std::string safe_transcript, guard_(episode.tenant_id, transcript));
  std::string safe_memory;
  if (!episode.memory_context.empty()) {
    ASSIGN_OR_RETURN(safe_memory, guard_(episode.tenant_id, episode.memory_context));
  }
  const std::string system = prompts::System(safe_memory);
  Conversation chat(*client_, out.method.steps);
  const int count = static_cast<int>(pool.size());

  // Evidence numbers U1…Un → utterance indexes; false when any is out of range.
  auto map_evidence = [&](const json& numbers, std::vector<int>& evidence) {
    for (const json& n : numbers) {
      int k = n.get<int>();
      if (k < 1 || k > count) return false;
      if (std::find(evidence.begin(), evidence.end(), pool[k - 1]) == evidence.end()) evidence.push_back(pool[k - 1]);
    }
    std::sort(evidence.begin(), evidence.end());
    return true;
  };
  auto cited_text = [&](const json& numbers) {
    std::string text;
    for (const json& n : numbers) {
      int k = n.get<int>();
      if (k >= 1 && k <= count) text += " " + u[static_cast<size_t>(pool[k - 1])].text;
    }
    return " " + NormalizeText(text) + " ";
  };
  auto shares_stem = [](const std::string& claim, const std::string& cited) {
    // Content words where the claim has any; a claim of only function words must still be said.
    std::vector<std::string> claimed = ContentWords(claim);
    bool content = !claimed.empty();
    if (!content) claimed = NormalizedWords(claim);
    std::set<std::string> stems;
    for (const auto& w : content ? ContentWords(cited) : NormalizedWords(cited)) stems.insert(StemWord(w));
    for (const auto& w : claimed) {
      if (stems.count(StemWord(w))) return true;
    }
    return false;
  };
  auto check_evidence = [&](const json& numbers, const std::string& what) -> std::string {
    for (const json& n : numbers) {
      int k = n.get<int>();
      if (k < 1 || k > count) {
        return what + " cites U" + std::to_string(k) + ", but the transcript has U1…U" + std::to_string(count);
      }
    }
    return "";
  };

  // 1. Chain of density.
  Verifier verify_summary = [&](const json& a) { return check_evidence(a["evidence"], "the summary"); };
  std::vector<Answer> summaries;
  for (int round = 0; round < std::max(1, options_.density_rounds); ++round) {
    std::string prompt = round == 0 ? prompts::FirstSummary(safe_transcript)
                                    : prompts::DenserSummary(safe_transcript, summaries.back().value["summary"]);
    auto answer = chat.Ask({{"system", system}, {"user", prompt}}, "episode_summary", prompts::SummarySchema(),
                           "chain_of_density", verify_summary);
    if (!answer.ok()) {
      if (summaries.empty()) return answer.status();
      out.notes.push_back("chain of density stopped after " + std::to_string(round) + " round(s): " +
                          answer.status().message());
      break;
    }
    summaries.push_back(std::move(*answer));
  }
  size_t best = 0;
  json densities = json::array();
  for (size_t i = 0; i < summaries.size(); ++i) {
    densities.push_back(EntityDensity(summaries[i].value["summary"], source));
    if (densities[i].get<double>() > densities[best].get<double>()) best = i;
  }
  Finding summary{"summary", summaries[best].value["summary"], {}, FromLogprobs(summaries[best].response, options_.deepconf_window),
                  {{"entity_density", densities[best]}, {"round", best + 1}, {"densities", densities}}};
  map_evidence(summaries[best].value["evidence"], summary.evidence);
  out.findings.push_back(std::move(summary));

  // 2. Extraction, verified against the transcript (CoVe).
  Verifier verify_extraction = [&](const json& a) -> std::string {
    for (const char* list : {"topics", "people", "places", "actions", "preferences"}) {
      if (!a.contains(list)) continue;  // preferences are optional
      for (const json& item : a[list]) {
        std::string label = item.value("text", item.value("name", item.value("what", std::string("an item"))));
        std::string problem = check_evidence(item["evidence"], std::string(list) + " item '" + label + "'");
        if (!problem.empty()) return problem;
        std::string cited = cited_text(item["evidence"]);
        if (std::string(list) == "people" || std::string(list) == "places") {
          std::string name = NormalizeText(item["name"].get<std::string>());
          if (cited.find(" " + name + " ") == std::string::npos && !shares_stem(name, cited)) {
            return std::string(list) + " item '" + label + "' does not occur in the utterances it cites";
          }
        } else if (!shares_stem(label, cited)) {
          return std::string(list) + " item '" + label + "' shares no words with the utterances it cites";
        }
      }
    }
    return check_evidence(a["emotion"]["evidence"], "the emotion");
  };
  std::vector<ChatMessage> extraction_messages = {{"system", system}, {"user", prompts::Extraction(safe_transcript)}};
  ASSIGN_OR_RETURN(Answer extraction, chat.Ask(extraction_messages, "episode_extraction", prompts::ExtractionSchema(),
                                               "extraction", verify_extraction));
  Confidence confidence = FromLogprobs(extraction.response, options_.deepconf_window);
  if (extraction.repaired) out.notes.push_back("the extraction needed one repair to pass validation");

  // 3. DeepConf gate: critic → refiner.
  if (confidence.value && *confidence.value < options_.deepconf_threshold) {
    auto critique = chat.Ask({{"system", system}, {"user", prompts::Critic(safe_transcript, extraction.value.dump())}},
                             "extraction_critique", prompts::CriticSchema(), "critic");
    if (critique.ok() && !critique->value["issues"].empty()) {
      std::vector<ChatMessage> refine = extraction_messages;
      refine.push_back({"assistant", extraction.response.content});
      refine.push_back({"user", prompts::Refiner(critique->value["issues"].dump(2))});
      auto refined = chat.Ask(refine, "episode_extraction", prompts::ExtractionSchema(), "refiner", verify_extraction);
      if (refined.ok()) {
        out.notes.push_back("low confidence (DeepConf " + std::to_string(*confidence.value) +
                            "): a critic found " + std::to_string(critique->value["issues"].size()) +
                            " issue(s) and the refined extraction was kept");
        extraction = std::move(*refined);
        confidence = FromLogprobs(extraction.response, options_.deepconf_window);
      } else {
        out.notes.push_back("the refiner's answer failed validation; the first extraction was kept");
      }
    } else if (critique.ok()) {
      out.notes.push_back("low confidence, but the critic found no issues");
    }
  }

  const json& x = extraction.value;
  for (const json& t : x["topics"]) {
    Finding f{"topic", t["text"], {}, confidence, json::object()};
    map_evidence(t["evidence"], f.evidence);
    out.findings.push_back(std::move(f));
  }
  for (const json& p : x["people"]) {
    Finding f{"person", p["name"], {}, confidence, {{"relation", p.value("relation", "")}}};
    map_evidence(p["evidence"], f.evidence);
    out.findings.push_back(std::move(f));
  }
  for (const json& p : x["places"]) {
    Finding f{"place", p["name"], {}, confidence, json::object()};
    map_evidence(p["evidence"], f.evidence);
    out.findings.push_back(std::move(f));
  }
  for (const json& a : x["actions"]) {
    Finding f{"action", a["what"], {}, confidence,
              {{"who", a["who"]}, {"what", a["what"]}, {"commitment", a["commitment"]}}};
    map_evidence(a["evidence"], f.evidence);
    const Utterance& said = u[static_cast<size_t>(f.evidence.front())];
    std::string phrase = a.value("due_phrase", "");
    auto due = FindDueDate(phrase.empty() ? a["what"].get<std::string>() : phrase, said.captured_at,
                           episode.utc_offset_minutes);
    if (due) {
      f.fields["due_date"] = due->date;
      f.fields["due_phrase"] = due->phrase;
      if (due->time) f.fields["due_time"] = *due->time;
    }
    out.findings.push_back(std::move(f));
  }
  const json preferences = x.value("preferences", json::array());
  for (const json& p : preferences) {
    Finding f{"preference", p["what"], {}, confidence, {{"polarity", p["polarity"]}}};
    map_evidence(p["evidence"], f.evidence);
    out.findings.push_back(std::move(f));
  }
  const json& e = x["emotion"];
  Finding emotion{"emotion", e["emotions"].empty() ? "neutral" : e["emotions"][0].get<std::string>(), {}, confidence,
                  {{"valence", e["valence"]}, {"emotions", json::object()}}};
  for (const json& name : e["emotions"]) emotion.fields["emotions"][name.get<std::string>()] = 1;
  map_evidence(e["evidence"], emotion.evidence);
  if (emotion.evidence.empty()) emotion.evidence = pool;  // a mood read from the whole conversation
  out.findings.push_back(std::move(emotion));
  out.urgency = x["urgency"];
  if (!confidence.value) out.notes.push_back("the model gave no token logprobs: confidence is unknown");
  return out;
}

}  // namespace reflexio
