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

// What every request of an episode starts from: the system prompt (with what memory knows) and
// the numbered transcript, both as the outbound guard passed them.
struct Prompt {
  std::string system;
  std::string transcript;
};

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

// The utterances the model sees, numbered U1…Un: what its evidence numbers point at.
class NumberedTranscript {
 public:
  NumberedTranscript(const EpisodeTranscript& episode, std::vector<int> pool)
      : utterances_(episode.utterances), pool_(std::move(pool)) {
    for (size_t n = 0; n < pool_.size(); ++n) {
      const Utterance& u = utterance(n);
      prompt_text_ += "U" + std::to_string(n + 1) + " [" + ClockTime(u.captured_at, episode.utc_offset_minutes) + "]" +
                      (u.quality == "uncertain" ? " (uncertain)" : "") + ": " + u.text + "\n";
      plain_text_ += u.text + "\n";
    }
  }

  const std::string& prompt_text() const { return prompt_text_; }
  const std::string& plain_text() const { return plain_text_; }
  const std::vector<int>& pool() const { return pool_; }

  // Evidence numbers → utterance indexes (ascending, each once); numbers out of range are skipped
  // (verification has refused answers that hold any).
  std::vector<int> Evidence(const json& numbers) const {
    std::vector<int> evidence;
    for (const json& n : numbers) {
      int k = n.get<int>();
      if (InRange(k) && std::find(evidence.begin(), evidence.end(), pool_[k - 1]) == evidence.end()) {
        evidence.push_back(pool_[k - 1]);
      }
    }
    std::sort(evidence.begin(), evidence.end());
    return evidence;
  }

  // "" when every number names an utterance, else what is wrong with `what`'s citation.
  std::string CheckCitation(const json& numbers, const std::string& what) const {
    for (const json& n : numbers) {
      int k = n.get<int>();
      if (!InRange(k)) {
        return what + " cites U" + std::to_string(k) + ", but the transcript has U1…U" + std::to_string(pool_.size());
      }
    }
    return "";
  }

  // The cited utterances' words, normalised, with a space at each end.
  std::string CitedText(const json& numbers) const {
    std::string text;
    for (const json& n : numbers) {
      int k = n.get<int>();
      if (InRange(k)) text += " " + utterances_[static_cast<size_t>(pool_[k - 1])].text;
    }
    return " " + NormalizeText(text) + " ";
  }

  const Utterance& utterance(size_t n) const { return utterances_[static_cast<size_t>(pool_[n])]; }
  const Utterance& at(int index) const { return utterances_[static_cast<size_t>(index)]; }

 private:
  bool InRange(int k) const { return k >= 1 && k <= static_cast<int>(pool_.size()); }

  const std::vector<Utterance>& utterances_;
  std::vector<int> pool_;
  std::string prompt_text_, plain_text_;
};

// Whether `claim` shares a stem with `cited`: its content words where it has any, since a claim of
// only function words must still be said.
bool SharesStem(const std::string& claim, const std::string& cited) {
  std::vector<std::string> claimed = ContentWords(claim);
  bool content = !claimed.empty();
  if (!content) claimed = NormalizedWords(claim);
  std::set<std::string> stems;
  for (const auto& w : content ? ContentWords(cited) : NormalizedWords(cited)) stems.insert(StemWord(w));
  for (const auto& w : claimed) {
    if (stems.count(StemWord(w))) return true;
  }
  return false;
}

// CoVe: every item of an extraction cites utterances that exist and say it.
Verifier ExtractionVerifier(const NumberedTranscript& numbered) {
  return [&numbered](const json& a) -> std::string {
    for (const char* list : {"topics", "people", "places", "actions", "preferences"}) {
      if (!a.contains(list)) continue;  // preferences are optional
      const bool named = std::string(list) == "people" || std::string(list) == "places";
      for (const json& item : a[list]) {
        std::string label = item.value("text", item.value("name", item.value("what", std::string("an item"))));
        std::string problem = numbered.CheckCitation(item["evidence"], std::string(list) + " item '" + label + "'");
        if (!problem.empty()) return problem;
        std::string cited = numbered.CitedText(item["evidence"]);
        if (named) {
          std::string name = NormalizeText(item["name"].get<std::string>());
          if (cited.find(" " + name + " ") == std::string::npos && !SharesStem(name, cited)) {
            return std::string(list) + " item '" + label + "' does not occur in the utterances it cites";
          }
        } else if (!SharesStem(label, cited)) {
          return std::string(list) + " item '" + label + "' shares no words with the utterances it cites";
        }
      }
    }
    return numbered.CheckCitation(a["emotion"]["evidence"], "the emotion");
  };
}

// The extraction's items as findings, each with `confidence`; due dates resolved by the server
// against the capture time of the words that said them.
void AddExtractedFindings(const json& x, const Confidence& confidence, const NumberedTranscript& numbered,
                          int utc_offset_minutes, Enrichment& out) {
  auto add = [&](InsightKind kind, const json& text, const json& item, json fields) -> Finding& {
    out.findings.push_back(Finding{kind, text, numbered.Evidence(item["evidence"]), confidence,
                                   std::move(fields)});
    return out.findings.back();
  };
  for (const json& t : x["topics"]) add(InsightKind::kTopic, t["text"], t, json::object());
  for (const json& p : x["people"]) add(InsightKind::kPerson, p["name"], p, {{"relation", p.value("relation", "")}});
  for (const json& p : x["places"]) add(InsightKind::kPlace, p["name"], p, json::object());
  for (const json& a : x["actions"]) {
    Finding& f = add(InsightKind::kAction, a["what"], a, {{"who", a["who"]}, {"what", a["what"]}, {"commitment", a["commitment"]}});
    const Utterance& said = numbered.at(f.evidence.front());
    std::string phrase = a.value("due_phrase", "");
    auto due = FindDueDate(phrase.empty() ? a["what"].get<std::string>() : phrase, said.captured_at, utc_offset_minutes);
    if (due) {
      f.fields["due_date"] = due->date;
      f.fields["due_phrase"] = due->phrase;
      if (due->time) f.fields["due_time"] = *due->time;
    }
  }
  for (const json& p : x.value("preferences", json::array())) add(InsightKind::kPreference, p["what"], p, {{"polarity", p["polarity"]}});
  const json& e = x["emotion"];
  Finding& emotion = add(InsightKind::kEmotion, e["emotions"].empty() ? "neutral" : e["emotions"][0].get<std::string>(), e,
                         {{"valence", e["valence"]}, {"emotions", json::object()}});
  for (const json& name : e["emotions"]) emotion.fields["emotions"][name.get<std::string>()] = 1;
  if (emotion.evidence.empty()) emotion.evidence = numbered.pool();  // a mood read from the whole conversation
  out.urgency = x["urgency"];
}

// Chain of density: a first summary, then denser ones; the densest as measured is kept.
Result<Finding> SummariseByDensity(Conversation& chat, const Prompt& prompt, const NumberedTranscript& numbered,
                                   const ChatProviderOptions& options, std::vector<std::string>& notes) {
  Verifier verify = [&numbered](const json& a) { return numbered.CheckCitation(a["evidence"], "the summary"); };
  std::vector<Answer> summaries;
  for (int round = 0; round < std::max(1, options.density_rounds); ++round) {
    std::string ask = round == 0 ? prompts::FirstSummary(prompt.transcript)
                                 : prompts::DenserSummary(prompt.transcript, summaries.back().value["summary"]);
    auto answer = chat.Ask({{"system", prompt.system}, {"user", ask}}, "episode_summary", prompts::SummarySchema(),
                           "chain_of_density", verify);
    if (!answer.ok()) {
      if (summaries.empty()) return answer.status();
      notes.push_back("chain of density stopped after " + std::to_string(round) + " round(s): " +
                      answer.status().message());
      break;
    }
    summaries.push_back(std::move(*answer));
  }
  // The densest, as measured against the transcript, not as the model judges itself.
  size_t best = 0;
  json densities = json::array();
  for (size_t i = 0; i < summaries.size(); ++i) {
    densities.push_back(EntityDensity(summaries[i].value["summary"], numbered.plain_text()));
    if (densities[i].get<double>() > densities[best].get<double>()) best = i;
  }
  return Finding{InsightKind::kSummary, summaries[best].value["summary"], numbered.Evidence(summaries[best].value["evidence"]),
                 FromLogprobs(summaries[best].response, options.deepconf_window),
                 {{"entity_density", densities[best]}, {"round", best + 1}, {"densities", densities}}};
}

// The DeepConf gate: a critic reviews a low-confidence extraction and a refiner answers it; the
// refined one replaces `extraction` only when it validates too.
void ReviewLowConfidence(Conversation& chat, const Prompt& prompt, const std::vector<ChatMessage>& extraction_messages,
                         const Verifier& verify, double deepconf, Answer& extraction, std::vector<std::string>& notes) {
  auto critique = chat.Ask({{"system", prompt.system}, {"user", prompts::Critic(prompt.transcript, extraction.value.dump())}},
                           "extraction_critique", prompts::CriticSchema(), "critic");
  if (!critique.ok()) return;
  if (critique->value["issues"].empty()) {
    notes.push_back("low confidence, but the critic found no issues");
    return;
  }
  std::vector<ChatMessage> refine = extraction_messages;
  refine.push_back({"assistant", extraction.response.content});
  refine.push_back({"user", prompts::Refiner(critique->value["issues"].dump(2))});
  auto refined = chat.Ask(refine, "episode_extraction", prompts::ExtractionSchema(), "refiner", verify);
  if (!refined.ok()) {
    notes.push_back("the refiner's answer failed validation; the first extraction was kept");
    return;
  }
  notes.push_back("low confidence (DeepConf " + std::to_string(deepconf) + "): a critic found " +
                  std::to_string(critique->value["issues"].size()) + " issue(s) and the refined extraction was kept");
  extraction = std::move(*refined);
}

}  // namespace

ChatProvider::ChatProvider(std::shared_ptr<ChatClient> client, PromptGuard guard, ChatProviderOptions options)
    : client_(std::move(client)), guard_(std::move(guard)), options_(options) {}

Result<Enrichment> ChatProvider::Enrich(const EpisodeTranscript& episode) {
  Enrichment out;
  out.method = Method{"chat", client_->config().model, prompts::kPromptVersion, {}};
  std::vector<int> pool = UsableUtterances(episode, out);
  if (pool.empty()) return out;
  NumberedTranscript numbered(episode, std::move(pool));
  // Nothing reaches the model that the outbound guard did not pass.
  ASSIGN_OR_RETURN(std::string safe_transcript, guard_(episode.tenant_id, numbered.prompt_text()));
  std::string safe_memory;
  if (!episode.memory_context.empty()) {
    ASSIGN_OR_RETURN(safe_memory, guard_(episode.tenant_id, episode.memory_context));
  }
  Conversation chat(*client_, out.method.steps);
  const Prompt prompt{prompts::System(safe_memory), safe_transcript};

  ASSIGN_OR_RETURN(Finding summary, SummariseByDensity(chat, prompt, numbered, options_, out.notes));
  out.findings.push_back(std::move(summary));

  Verifier verify_extraction = ExtractionVerifier(numbered);
  std::vector<ChatMessage> extraction_messages = {{"system", prompt.system},
                                                  {"user", prompts::Extraction(prompt.transcript)}};
  ASSIGN_OR_RETURN(Answer extraction, chat.Ask(extraction_messages, "episode_extraction", prompts::ExtractionSchema(),
                                               "extraction", verify_extraction));
  if (extraction.repaired) out.notes.push_back("the extraction needed one repair to pass validation");
  Confidence confidence = FromLogprobs(extraction.response, options_.deepconf_window);
  if (confidence.value && *confidence.value < options_.deepconf_threshold) {
    ReviewLowConfidence(chat, prompt, extraction_messages, verify_extraction, *confidence.value, extraction, out.notes);
    confidence = FromLogprobs(extraction.response, options_.deepconf_window);
  }
  AddExtractedFindings(extraction.value, confidence, numbered, episode.utc_offset_minutes, out);
  if (!confidence.value) out.notes.push_back("the model gave no token logprobs: confidence is unknown");
  return out;
}

}  // namespace reflexio
