#include "memory/core_memory.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/ids.h"
#include "memory/evidence.h"
#include "text/keywords.h"
#include "text/normalize.h"
#include "text/stem.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

double RepetitionConfidence(size_t episodes) { return 1 - std::pow(0.5, static_cast<double>(episodes)); }

void SetConfidence(json& body) {
  size_t episodes = body["episodes"].size();
  body["confidence"] = {{"value", RepetitionConfidence(episodes)}, {"basis", "repetition"},
                        {"detail", {{"episodes", episodes}, {"mentions", body.value("mentions", 0)}}}};
}

std::string Lines(const std::vector<std::pair<double, std::string>>& ranked, size_t max_chars) {
  std::string out;
  for (const auto& [score, line] : ranked) {
    if (out.size() + line.size() + 1 > max_chars) break;
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::optional<std::string> CoreKindFor(const Insight& insight, const json& body) {
  const std::string& kind = insight.kind;
  if (kind == "person" || kind == "place" || kind == "topic" || kind == "preference") return kind;
  if (kind == "action" && body.contains("fields") && body["fields"].is_object() &&
      body["fields"].value("commitment", false)) {
    std::string who = body["fields"].value("who", "");
    if (who == "me" || who == "we") return std::string("commitment");
  }
  return std::nullopt;
}

std::string CoreMemory::KeyOf(const std::string& kind, const std::string& label) {
  if (kind == "topic" || kind == "commitment" || kind == "preference") {
    std::vector<std::string> stems;
    for (const auto& word : ContentWords(label)) stems.push_back(StemWord(word));
    std::string key;
    for (const auto& s : stems) key += (key.empty() ? "" : " ") + s;
    return key;
  }
  return NormalizeText(label);
}

Result<std::vector<Insight>> CoreMemory::Learn(const std::string& tenant_id, const std::string& episode_id,
                                               const std::vector<Insight>& episode_insights) {
  std::map<std::pair<std::string, std::string>, Insight> learned;  // (kind, key) → entry
  std::vector<std::pair<std::string, std::string>> order;
  for (const Insight& source : episode_insights) {
    json body = json::parse(source.body, nullptr, false);
    if (!body.is_object()) continue;
    auto kind = CoreKindFor(source, body);
    if (!kind) continue;
    std::string label = body.value("text", "");
    std::string key = KeyOf(*kind, label);
    if (key.empty()) continue;
    auto slot = std::make_pair(*kind, key);
    if (!learned.count(slot)) {
      ASSIGN_OR_RETURN(auto existing, insights_.FindInsightByKey(tenant_id, "core", *kind, key));
      Insight entry;
      if (existing) {
        entry = *existing;
      } else {
        entry.tenant_id = tenant_id;
        entry.id = NewId();
        entry.scope = "core";
        entry.kind = *kind;
        entry.state = "active";
        entry.at = source.at;
        entry.body = json{{"label", label}, {"detail", json::object()}, {"mentions", 0}, {"episodes", json::array()},
                          {"evidence", json::array()}, {"learned_from", json::array()}, {"edited_by_person", false},
                          {"first_seen", FormatRfc3339(source.at)}}
                         .dump();
      }
      entry.dedup_key = key;  // given in the clear; the storage layer decides how to keep it
      learned[slot] = entry;
      order.push_back(slot);
    }
    Insight& entry = learned[slot];
    json memory = json::parse(entry.body, nullptr, false);
    if (!memory.is_object()) continue;
    memory["mentions"] = memory.value("mentions", 0) + 1;
    if (std::find(memory["episodes"].begin(), memory["episodes"].end(), episode_id) == memory["episodes"].end()) {
      memory["episodes"].push_back(episode_id);
    }
    const json evidence = body.value("evidence", json::array());
    for (const json& e : evidence) memory["evidence"].push_back(e);
    if (memory["evidence"].size() > kMaxEvidence) {
      memory["evidence"].erase(memory["evidence"].begin(),
                               memory["evidence"].begin() + static_cast<long>(memory["evidence"].size() - kMaxEvidence));
    }
    memory["learned_from"].push_back(source.id);
    if (memory["learned_from"].size() > kMaxEvidence) memory["learned_from"].erase(memory["learned_from"].begin());
    if (!memory.value("edited_by_person", false) && body.contains("fields") && body["fields"].is_object()) {
      const json& fields = body["fields"];
      for (const char* detail : {"relation", "due_date", "polarity"}) {
        if (fields.value(detail, json()).is_string() && !fields[detail].get<std::string>().empty()) {
          memory["detail"][detail] = fields[detail];
        }
      }
    }
    auto last_seen = ParseRfc3339(memory.value("last_seen", ""));
    memory["last_seen"] = FormatRfc3339(last_seen.ok() ? std::max(source.at, *last_seen) : source.at);
    memory["method"] = body.value("method", json::object());
    SetConfidence(memory);
    entry.body = memory.dump();
    entry.updated_at = clock_.Now();
  }
  std::vector<Insight> out;
  for (const auto& slot : order) out.push_back(learned[slot]);
  return out;
}

Result<std::string> CoreMemory::PromptContext(const std::string& tenant_id, size_t max_chars) {
  ASSIGN_OR_RETURN(auto page, insights_.ListInsights(tenant_id, {.scope = "core", .state = "active"}, 500, ""));
  std::vector<std::pair<double, std::string>> ranked;
  for (const Insight& entry : page.items) {
    json memory = json::parse(entry.body, nullptr, false);
    if (!memory.is_object()) continue;
    std::string line = "- " + entry.kind + ": " + memory.value("label", "");
    const json detail = memory.value("detail", json::object());
    for (const auto& [name, value] : detail.items()) {
      if (value.is_string() && !value.get<std::string>().empty()) line += " (" + name + ": " + value.get<std::string>() + ")";
    }
    size_t episodes = memory.value("episodes", json::array()).size();
    line += "; in " + std::to_string(episodes) + " conversation(s), last " + memory.value("last_seen", "").substr(0, 10);
    // Established first: seen in more conversations; the person's own edits count double.
    double score = static_cast<double>(episodes) * (memory.value("edited_by_person", false) ? 2 : 1);
    ranked.emplace_back(score, line);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return Lines(ranked, max_chars);
}

Result<Insight> CoreMemory::Edit(const std::string& tenant_id, const std::string& id, const json& change) {
  ASSIGN_OR_RETURN(auto found, insights_.GetInsight(tenant_id, id));
  if (!found || found->scope != "core") return NotFound("no memory entry " + id, "memory_not_found");
  Insight entry = *found;
  json memory = json::parse(entry.body, nullptr, false);
  if (!memory.is_object()) return Internal("memory entry " + id + " is not readable");
  if (change.contains("label")) {
    if (!change["label"].is_string() || KeyOf(entry.kind, change["label"]).empty()) {
      return InvalidArgument("'label' must be text with at least one word", "invalid_label");
    }
    memory["label"] = change["label"];
  }
  if (change.contains("detail")) {
    if (!change["detail"].is_object()) return InvalidArgument("'detail' must be an object of text values", "invalid_detail");
    for (const auto& [name, value] : change["detail"].items()) {
      if (!value.is_string()) return InvalidArgument("'detail." + name + "' must be text", "invalid_detail");
    }
    memory["detail"] = change["detail"];
  }
  if (change.contains("state")) {
    if (change["state"] != "active" && change["state"] != "done") {
      return InvalidArgument("'state' must be active or done", "invalid_state");
    }
    entry.state = change["state"];
  }
  memory["edited_by_person"] = true;
  entry.body = memory.dump();
  entry.dedup_key = KeyOf(entry.kind, memory["label"]);
  entry.updated_at = clock_.Now();
  RETURN_IF_ERROR(insights_.PutInsight(entry));
  return entry;
}

}  // namespace reflexio
