// What Reflexio understood, and why: /v1/episodes… with their enrichment, /v1/actions,
// /v1/emotions, /v1/memory…, /v1/explain/{kind}/{id} (understanding/enricher.h writes it all).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "api/json_views.h"
#include "api/resources.h"
#include "core/log.h"
#include "memory/core_memory.h"
#include "model/insight_body.h"

namespace reflexio {

using nlohmann::json;

namespace {

// The kind named in a request: one of an episode's, or 400.
Result<InsightKind> EpisodeKindOf(const std::string& text) {
  auto kind = ParseInsightKind(text);
  if (!kind || *kind == InsightKind::kCommitment) {
    return InvalidArgument("kind must be memory or one of summary, topic, person, place, preference, action, "
                           "emotion, session",
                           "invalid_kind");
  }
  return *kind;
}

std::string ClipUrl(const Evidence& e) {
  return "/v1/recordings/" + e.recording_id + "/audio?start=" + FormatSeconds(e.start_s) +
         "&end=" + FormatSeconds(e.end_s);
}

json EvidenceJson(const std::vector<Evidence>& stored) {
  json out = json::array();
  for (const Evidence& e : stored) {
    out.push_back({{"episode_id", e.episode_id}, {"recording_id", e.recording_id}, {"segment", e.seq},
                   {"start_s", Millis(e.start_s)}, {"end_s", Millis(e.end_s)},
                   {"captured_at", FormatRfc3339(e.captured_at)}, {"clip_url", ClipUrl(e)}});
  }
  return out;
}

json InsightJson(const Insight& insight) {
  EpisodeInsightBody body = EpisodeBodyOf(insight);
  json out = {{"id", insight.id},
              {"kind", ToString(insight.kind)},
              {"episode_id", insight.episode_id},
              {"at", FormatRfc3339(insight.at)},
              {"text", body.text},
              {"fields", body.fields},
              {"confidence", body.confidence},
              {"method", body.method},
              {"evidence", EvidenceJson(body.evidence)},
              {"explain_url", std::string("/v1/explain/") + ToString(insight.kind) + "/" + insight.id}};
  if (insight.kind == InsightKind::kAction) {
    out["state"] = ToString(insight.state);
    out["due_date"] = insight.due_date ? json(*insight.due_date) : json(nullptr);
  }
  return out;
}

std::string TimeOrEmpty(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : ""; }

json MemoryJson(const Insight& entry) {
  MemoryEntryBody body = MemoryBodyOf(entry);
  return {{"id", entry.id},
          {"kind", ToString(entry.kind)},
          {"label", body.label},
          {"detail", body.detail},
          {"state", ToString(entry.state)},
          {"mentions", body.mentions},
          {"episodes", body.episodes.size()},
          {"first_seen", TimeOrEmpty(body.first_seen)},
          {"last_seen", TimeOrEmpty(body.last_seen)},
          {"confidence", body.confidence},
          {"edited_by_person", body.edited_by_person},
          {"evidence", EvidenceJson(body.evidence)},
          {"updated_at", FormatRfc3339(entry.updated_at)},
          {"explain_url", "/v1/explain/memory/" + entry.id}};
}

// The evidence of an explanation: each quoted moment with its words and whether its audio is
// still there; `missing` counts those no longer stored (retention, or the person removed them).
Result<json> QuotedEvidence(const ApiDependencies& deps, const std::string& tenant_id,
                            const std::vector<Evidence>& stored, int& missing) {
  json evidence = json::array();
  std::map<std::string, std::vector<Segment>> segments_of;
  std::map<std::string, bool> audio_of;
  for (const Evidence& e : stored) {
    if (!segments_of.count(e.recording_id)) {
      ASSIGN_OR_RETURN(segments_of[e.recording_id], deps.stores.transcripts.GetSegments(tenant_id, e.recording_id));
      auto recording = deps.stores.recordings.GetRecording(tenant_id, e.recording_id);
      audio_of[e.recording_id] = recording.ok() && *recording && !(*recording)->audio_path.empty();
    }
    const auto& segments = segments_of[e.recording_id];
    auto segment = std::find_if(segments.begin(), segments.end(), [&](const Segment& s) { return s.seq == e.seq; });
    if (segment == segments.end()) {
      ++missing;
      continue;
    }
    json words = json::array();
    for (const auto& w : segment->words) {
      if (w.end_s > e.start_s && w.start_s < e.end_s) {
        words.push_back({{"word", w.word}, {"start_s", Millis(w.start_s)}, {"end_s", Millis(w.end_s)},
                         {"confidence", w.confidence}});
      }
    }
    evidence.push_back({{"recording_id", e.recording_id}, {"segment", e.seq}, {"start_s", Millis(e.start_s)},
                        {"end_s", Millis(e.end_s)}, {"captured_at", FormatRfc3339(e.captured_at)},
                        {"quote", segment->text}, {"quality", segment->quality}, {"words", words},
                        {"audio_available", audio_of[e.recording_id]},
                        {"clip_url", audio_of[e.recording_id] ? json(ClipUrl(e)) : json(nullptr)}});
  }
  return evidence;
}

}  // namespace

void EpisodesApi::Register(Router& router) {
  router.Add("GET", "/v1/episodes", "Conversations, newest first (from, to, limit, cursor)",
             [this](ServerRequest& r) { return List(r); });
  router.Add("GET", "/v1/episodes/{id}", "One conversation: when, how long, and what was understood from it",
             [this](ServerRequest& r) { return Get(r); });
}

Result<ServerResponse> EpisodesApi::List(ServerRequest& request) {
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 50, 200));
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(request));
  ASSIGN_OR_RETURN(auto page, deps_.stores.episodes.ListEpisodes(request.tenant->id, range, limit,
                                                                  request.Query("cursor").value_or("")));
  json items = json::array();
  for (const auto& e : page.items) items.push_back(EpisodeJson(e));
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

Result<ServerResponse> EpisodesApi::Get(ServerRequest& request) {
  const std::string& id = request.params.at("id");
  ASSIGN_OR_RETURN(auto found, deps_.stores.episodes.GetEpisode(request.tenant->id, id));
  if (!found) return NotFound("no episode " + id, "episode_not_found");
  json out = EpisodeJson(*found);
  ASSIGN_OR_RETURN(out["enrichment"], EnrichmentJson(request.tenant->id, *found));
  return ServerResponse::Json(200, out);
}

Result<json> EpisodesApi::EnrichmentJson(const std::string& tenant_id, const Episode& episode) {
  if (!episode.enriched_at) return json(nullptr);
  ASSIGN_OR_RETURN(auto page, deps_.stores.insights.ListInsights(
                                  tenant_id, {.scope = InsightScope::kEpisode, .episode_id = episode.id}, 500, ""));
  json out = {{"enriched_at", FormatRfc3339(*episode.enriched_at)}, {"summary", nullptr},
              {"topics", json::array()}, {"people", json::array()}, {"places", json::array()},
              {"actions", json::array()}, {"preferences", json::array()}, {"emotion", nullptr}, {"urgency", nullptr}, {"notes", json::array()},
              {"method", nullptr}, {"tokens", nullptr}};
  // Newest first from storage; a conversation reads in the order it was said.
  for (auto it = page.items.rbegin(); it != page.items.rend(); ++it) {
    const Insight& insight = *it;
    json view = InsightJson(insight);
    switch (insight.kind) {
      case InsightKind::kSummary: out["summary"] = view; break;
      case InsightKind::kEmotion: out["emotion"] = view; break;
      case InsightKind::kTopic: out["topics"].push_back(view); break;
      case InsightKind::kPerson: out["people"].push_back(view); break;
      case InsightKind::kPlace: out["places"].push_back(view); break;
      case InsightKind::kAction: out["actions"].push_back(view); break;
      case InsightKind::kPreference: out["preferences"].push_back(view); break;
      case InsightKind::kSession: {
        json fields = view["fields"];
        out["urgency"] = fields.value("urgency", "low");
        out["notes"] = fields.value("notes", json::array());
        out["tokens"] = fields.value("tokens", json::object());
        out["method"] = view["method"];
        out["session_memory_id"] = insight.id;
        break;
      }
      case InsightKind::kCommitment: break;  // core memory only
    }
  }
  return out;
}

void ActionsApi::Register(Router& router) {
  router.Add("GET", "/v1/actions", "Action items and commitments, newest first (state=open|done, from, to, limit, cursor)",
             [this](ServerRequest& r) { return ListActions(r); });
  router.Add("PUT", "/v1/actions/{id}", "Mark an action item done or open again ({\"state\": \"done\"})",
             [this](ServerRequest& r) { return UpdateAction(r); });
  router.Add("GET", "/v1/emotions", "Emotions per conversation: valence from words, arousal from voice (from, to)",
             [this](ServerRequest& r) { return ListEmotions(r); });
}

Result<ServerResponse> ActionsApi::ListActions(ServerRequest& request) {
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(request));
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 50, 200));
  std::string state = request.Query("state").value_or("");
  if (!state.empty() && state != "open" && state != "done") {
    return InvalidArgument("state must be open or done", "invalid_state");
  }
  InsightFilter filter{.scope = InsightScope::kEpisode, .kind = InsightKind::kAction, .range = range};
  if (!state.empty()) filter.state = *ParseInsightState(state);
  ASSIGN_OR_RETURN(auto page, deps_.stores.insights.ListInsights(request.tenant->id, filter, limit,
                                                                  request.Query("cursor").value_or("")));
  json items = json::array();
  for (const auto& insight : page.items) items.push_back(InsightJson(insight));
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

Result<ServerResponse> ActionsApi::UpdateAction(ServerRequest& request) {
  // Existence first: another tenant's id is 404 whatever the body says.
  const std::string& id = request.params.at("id");
  ASSIGN_OR_RETURN(auto found, deps_.stores.insights.GetInsight(request.tenant->id, id));
  if (!found || found->kind != InsightKind::kAction) return NotFound("no action " + id, "action_not_found");
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.value("state", json()).is_string() ||
      (body["state"] != "open" && body["state"] != "done")) {
    return InvalidArgument("send {\"state\": \"done\"} or {\"state\": \"open\"}", "invalid_state");
  }
  Insight action = *found;
  action.state = body["state"] == "done" ? InsightState::kDone : InsightState::kOpen;
  action.updated_at = deps_.clock->Now();
  RETURN_IF_ERROR(deps_.stores.insights.PutInsight(action));
  // A commitment kept is no longer an open one in memory.
  std::string key = CoreMemory::KeyOf(InsightKind::kCommitment, EpisodeBodyOf(action).text);
  auto commitment =
      deps_.stores.insights.FindInsightByKey(request.tenant->id, InsightScope::kCore, InsightKind::kCommitment, key);
  if (commitment.ok() && *commitment) {
    Insight entry = **commitment;
    entry.state = action.state == InsightState::kDone ? InsightState::kDone : InsightState::kActive;
    entry.dedup_key = key;
    entry.updated_at = action.updated_at;
    if (deps_.stores.insights.PutInsight(entry).ok()) SyncMemory(deps_, request.tenant->id);
  }
  return ServerResponse::Json(200, InsightJson(action));
}

Result<ServerResponse> ActionsApi::ListEmotions(ServerRequest& request) {
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(request));
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 50, 500));
  InsightFilter filter{.scope = InsightScope::kEpisode, .kind = InsightKind::kEmotion, .range = range};
  ASSIGN_OR_RETURN(auto page, deps_.stores.insights.ListInsights(request.tenant->id, filter, limit,
                                                                  request.Query("cursor").value_or("")));
  json items = json::array();
  for (const auto& insight : page.items) items.push_back(InsightJson(insight));
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

void MemoryApi::Register(Router& router) {
  router.Add("GET", "/v1/memory", "What Reflexio remembers about you (kind, limit, cursor)",
             [this](ServerRequest& r) { return List(r); });
  router.Add("GET", "/v1/memory/{id}", "One memory entry with its evidence", [this](ServerRequest& r) { return Get(r); });
  router.Add("PUT", "/v1/memory/{id}", "Correct a memory entry ({\"label\", \"detail\", \"state\"})",
             [this](ServerRequest& r) { return Update(r); });
  router.Add("DELETE", "/v1/memory/{id}", "Forget a memory entry", [this](ServerRequest& r) { return Delete(r); });
  router.Add("GET", "/v1/explain/{kind}/{id}", "Why Reflexio concluded this: the quoted words, their audio, method, confidence",
             [this](ServerRequest& r) { return Explain(r); });
}

Result<ServerResponse> MemoryApi::List(ServerRequest& request) {
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 100, 500));
  InsightFilter filter{.scope = InsightScope::kCore};
  if (auto kind = request.Query("kind")) {
    filter.kind = ParseInsightKind(*kind);
    if (!filter.kind || *filter.kind == InsightKind::kSummary || *filter.kind == InsightKind::kAction ||
        *filter.kind == InsightKind::kEmotion || *filter.kind == InsightKind::kSession) {
      return InvalidArgument("kind must be one of person, place, preference, topic, commitment", "invalid_kind");
    }
  }
  ASSIGN_OR_RETURN(auto page, deps_.stores.insights.ListInsights(request.tenant->id, filter, limit,
                                                                  request.Query("cursor").value_or("")));
  json items = json::array();
  for (const auto& entry : page.items) items.push_back(MemoryJson(entry));
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

Result<Insight> MemoryApi::Find(const ServerRequest& request) {
  const std::string& id = request.params.at("id");
  ASSIGN_OR_RETURN(auto found, deps_.stores.insights.GetInsight(request.tenant->id, id));
  if (!found || found->scope != InsightScope::kCore) return NotFound("no memory entry " + id, "memory_not_found");
  return *found;
}

Result<ServerResponse> MemoryApi::Get(ServerRequest& request) {
  ASSIGN_OR_RETURN(Insight entry, Find(request));
  return ServerResponse::Json(200, MemoryJson(entry));
}

Result<ServerResponse> MemoryApi::Update(ServerRequest& request) {
  ASSIGN_OR_RETURN(Insight entry, Find(request));  // existence first: another tenant's id is 404 whatever the body says
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object", "invalid_json");
  for (const auto& [name, value] : body.items()) {
    if (name != "label" && name != "detail" && name != "state") {
      return InvalidArgument("unknown field '" + name + "' (label, detail, state)", "unknown_field");
    }
  }
  CoreMemory memory(deps_.stores.insights);
  ASSIGN_OR_RETURN(Insight edited, memory.Edit(request.tenant->id, entry.id, body));
  SyncMemory(deps_, request.tenant->id);
  return ServerResponse::Json(200, MemoryJson(edited));
}

Result<ServerResponse> MemoryApi::Delete(ServerRequest& request) {
  ASSIGN_OR_RETURN(Insight entry, Find(request));
  RETURN_IF_ERROR(deps_.stores.insights.DeleteInsight(request.tenant->id, entry.id));
  SyncMemory(deps_, request.tenant->id);
  return ServerResponse::Json(200, {{"deleted", entry.id}});
}

void SyncMemory(const ApiDependencies& deps, const std::string& tenant_id) {
  if (deps.letta == nullptr) return;
  auto synced = deps.letta->Sync(tenant_id);
  if (!synced.ok()) LOG_WARN("Letta sync after a memory edit failed (the next one repairs it): " << synced.status().message());
}

Result<ServerResponse> MemoryApi::Explain(ServerRequest& request) {
  const std::string& kind = request.params.at("kind");
  const std::string& id = request.params.at("id");
  const bool memory = kind == "memory";
  std::optional<InsightKind> episode_kind;
  if (!memory) {
    ASSIGN_OR_RETURN(episode_kind, EpisodeKindOf(kind));
  }
  ASSIGN_OR_RETURN(auto found, deps_.stores.insights.GetInsight(request.tenant->id, id));
  bool matches = found && (memory ? found->scope == InsightScope::kCore
                                  : found->scope == InsightScope::kEpisode && found->kind == *episode_kind);
  if (!matches) return NotFound("no " + kind + " " + id, "not_found");
  const Insight& insight = *found;
  int missing = 0;
  json out = {{"kind", kind}, {"id", insight.id}};
  if (memory) {
    MemoryEntryBody body = MemoryBodyOf(insight);
    ASSIGN_OR_RETURN(out["evidence"], QuotedEvidence(deps_, request.tenant->id, body.evidence, missing));
    out.update({{"conclusion", body.label}, {"method", body.method}, {"confidence", body.confidence},
                {"detail", body.detail}, {"learned_from", body.learned_from}, {"episodes", body.episodes}});
  } else {
    EpisodeInsightBody body = EpisodeBodyOf(insight);
    ASSIGN_OR_RETURN(out["evidence"], QuotedEvidence(deps_, request.tenant->id, body.evidence, missing));
    out.update({{"conclusion", body.text}, {"method", body.method}, {"confidence", body.confidence},
                {"fields", body.fields}, {"episode_id", insight.episode_id}});
  }
  out["evidence_no_longer_stored"] = missing;
  return ServerResponse::Json(200, out);
}

}  // namespace reflexio
