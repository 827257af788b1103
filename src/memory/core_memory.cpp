#include "memory/core_memory.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/ids.h"
#include "model/insight_body.h"
#include "text/keywords.h"
#include "text/normalize.h"
#include "text/stem.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

double RepetitionConfidence(size_t episodes) { return 1 - std::pow(0.5, static_cast<double>(episodes)); }

Confidence ByRepetition(const MemoryEntryBody& memory) {
  Confidence c;
  c.value = RepetitionConfidence(memory.episodes.size());
  c.basis = "repetition";
  c.detail = {{"episodes", memory.episodes.size()}, {"mentions", memory.mentions}};
  return c;
}

std::string Lines(const std::vector<std::pair<double, std::string>>& ranked, size_t max_chars) {
  std::string out;
  for (const auto& [score, line] : ranked) {
    if (out.size() + line.size() + 1 > max_chars) break;
    out += line + "\n";
  }
  return out;
}

template <typename T>
void KeepLatest(std::vector<T>& items, size_t most) {
  if (items.size() > most) items.erase(items.begin(), items.begin() + static_cast<long>(items.size() - most));
}

// What an episode insight adds to its entry's detail: the relation of a person, the due date of a
// commitment, the polarity of a preference — when said.
std::map<std::string, std::string> DetailOf(InsightKind kind, const EpisodeInsightBody& body) {
  std::map<std::string, std::string> detail;
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) detail[name] = value;
  };
  if (kind == InsightKind::kPerson) add("relation", FieldsOf<PersonFields>(body).relation);
  if (kind == InsightKind::kPreference) add("polarity", FieldsOf<PreferenceFields>(body).polarity);
  if (kind == InsightKind::kAction) add("due_date", FieldsOf<ActionFields>(body).due_date.value_or(""));
  return detail;
}

}  // namespace

std::optional<InsightKind> CoreKindFor(const Insight& insight, const EpisodeInsightBody& body) {
  switch (insight.kind) {
    case InsightKind::kPerson:
    case InsightKind::kPlace:
    case InsightKind::kTopic:
    case InsightKind::kPreference:
      return insight.kind;
    case InsightKind::kAction: {
      ActionFields action = FieldsOf<ActionFields>(body);
      if (action.commitment && (action.who == "me" || action.who == "we")) return InsightKind::kCommitment;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::string CoreMemory::KeyOf(InsightKind kind, const std::string& label) {
  if (kind == InsightKind::kTopic || kind == InsightKind::kCommitment || kind == InsightKind::kPreference) {
    std::string key;
    for (const auto& word : ContentWords(label)) key += (key.empty() ? "" : " ") + StemWord(word);
    return key;
  }
  return NormalizeText(label);
}

Result<std::vector<Insight>> CoreMemory::Learn(const std::string& tenant_id, const std::string& episode_id,
                                               const std::vector<Insight>& episode_insights) {
  std::map<std::pair<InsightKind, std::string>, std::pair<Insight, MemoryEntryBody>> learned;  // (kind, key) → entry
  std::vector<std::pair<InsightKind, std::string>> order;
  for (const Insight& source : episode_insights) {
    EpisodeInsightBody said = EpisodeBodyOf(source);
    auto kind = CoreKindFor(source, said);
    if (!kind) continue;
    std::string key = KeyOf(*kind, said.text);
    if (key.empty()) continue;
    auto slot = std::make_pair(*kind, key);
    if (!learned.count(slot)) {
      ASSIGN_OR_RETURN(auto existing, insights_.FindInsightByKey(tenant_id, InsightScope::kCore, *kind, key));
      Insight entry;
      MemoryEntryBody memory;
      if (existing) {
        entry = *existing;
        memory = MemoryBodyOf(entry);
      } else {
        entry.tenant_id = tenant_id;
        entry.id = NewId();
        entry.scope = InsightScope::kCore;
        entry.kind = *kind;
        entry.state = InsightState::kActive;
        entry.at = source.at;
        memory.label = said.text;
        memory.first_seen = source.at;
      }
      entry.dedup_key = key;  // given in the clear; the storage layer decides how to keep it
      learned[slot] = {entry, memory};
      order.push_back(slot);
    }
    auto& [entry, memory] = learned[slot];
    memory.mentions += 1;
    if (std::find(memory.episodes.begin(), memory.episodes.end(), episode_id) == memory.episodes.end()) {
      memory.episodes.push_back(episode_id);
    }
    memory.evidence.insert(memory.evidence.end(), said.evidence.begin(), said.evidence.end());
    KeepLatest(memory.evidence, kMaxEvidence);
    memory.learned_from.push_back(source.id);
    KeepLatest(memory.learned_from, kMaxEvidence);
    if (!memory.edited_by_person) {
      for (auto& [name, value] : DetailOf(source.kind, said)) memory.detail[name] = value;
    }
    memory.last_seen = memory.last_seen ? std::max(source.at, *memory.last_seen) : source.at;
    memory.method = said.method;
    memory.confidence = ByRepetition(memory);
    entry.body = json(memory).dump();
    entry.updated_at = clock_.Now();
  }
  std::vector<Insight> out;
  for (const auto& slot : order) out.push_back(learned[slot].first);
  return out;
}

Result<std::string> CoreMemory::PromptContext(const std::string& tenant_id, size_t max_chars) const {
  ASSIGN_OR_RETURN(auto page, insights_.ListInsights(
                                  tenant_id, {.scope = InsightScope::kCore, .state = InsightState::kActive}, 500, ""));
  std::vector<std::pair<double, std::string>> ranked;
  for (const Insight& entry : page.items) {
    MemoryEntryBody memory = MemoryBodyOf(entry);
    std::string line = std::string("- ") + ToString(entry.kind) + ": " + memory.label;
    for (const auto& [name, value] : memory.detail) {
      if (!value.empty()) line += " (" + name + ": " + value + ")";
    }
    std::string last = memory.last_seen ? FormatRfc3339(*memory.last_seen).substr(0, 10) : "";
    line += "; in " + std::to_string(memory.episodes.size()) + " conversation(s), last " + last;
    // Established first: seen in more conversations; the person's own edits count double.
    double score = static_cast<double>(memory.episodes.size()) * (memory.edited_by_person ? 2 : 1);
    ranked.emplace_back(score, line);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return Lines(ranked, max_chars);
}

Result<Insight> CoreMemory::Edit(const std::string& tenant_id, const std::string& id, const json& change) {
  ASSIGN_OR_RETURN(auto found, insights_.GetInsight(tenant_id, id));
  if (!found || found->scope != InsightScope::kCore) return NotFound("no memory entry " + id, "memory_not_found");
  Insight entry = *found;
  MemoryEntryBody memory = MemoryBodyOf(entry);
  if (change.contains("label")) {
    if (!change["label"].is_string() || KeyOf(entry.kind, change["label"]).empty()) {
      return InvalidArgument("'label' must be text with at least one word", "invalid_label");
    }
    memory.label = change["label"];
  }
  if (change.contains("detail")) {
    if (!change["detail"].is_object()) return InvalidArgument("'detail' must be an object of text values", "invalid_detail");
    std::map<std::string, std::string> detail;
    for (const auto& [name, value] : change["detail"].items()) {
      if (!value.is_string()) return InvalidArgument("'detail." + name + "' must be text", "invalid_detail");
      detail[name] = value.get<std::string>();
    }
    memory.detail = std::move(detail);
  }
  if (change.contains("state")) {
    if (change["state"] != "active" && change["state"] != "done") {
      return InvalidArgument("'state' must be active or done", "invalid_state");
    }
    entry.state = change["state"] == "done" ? InsightState::kDone : InsightState::kActive;
  }
  memory.edited_by_person = true;
  entry.body = json(memory).dump();
  entry.dedup_key = KeyOf(entry.kind, memory.label);
  entry.updated_at = clock_.Now();
  RETURN_IF_ERROR(insights_.PutInsight(entry));
  return entry;
}

}  // namespace reflexio
