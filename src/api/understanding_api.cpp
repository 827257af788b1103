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
#include "memory/evidence.h"

namespace reflexio {

using nlohmann::json;

namespace {

const std::set<std::string> kEpisodeKinds = {"summary", "topic", "person", "place", "preference", "action",
                                             "emotion", "session"};

std::string ClipUrl(const EvidenceRef& e) {
  return "/v1/recordings/" + e.recording_id + "/audio?start=" + FormatSeconds(e.start_s) +
         "&end=" + FormatSeconds(e.end_s);
}

json EvidenceJson(const json& stored) {
  json out = json::array();
  for (const EvidenceRef& e : EvidenceFromJson(stored)) {
    out.push_back({{"episode_id", e.episode_id}, {"recording_id", e.recording_id}, {"segment", e.seq},
                   {"start_s", Millis(e.start_s)}, {"end_s", Millis(e.end_s)},
                   {"captured_at", FormatRfc3339(e.captured_at)}, {"clip_url", ClipUrl(e)}});
  }
  return out;
}

json InsightJson(const Insight& insight) {
  json body = InsightBody(insight);
  json out = {{"id", insight.id},
              {"kind", insight.kind},
              {"episode_id", insight.episode_id},
              {"at", FormatRfc3339(insight.at)},
              {"text", body.value("text", "")},
              {"fields", body.value("fields", json::object())},
              {"confidence", body.value("confidence", json::object())},
              {"method", body.value("method", json::object())},
              {"evidence", EvidenceJson(body.value("evidence", json::array()))},
              {"explain_url", "/v1/explain/" + insight.kind + "/" + insight.id}};
  if (insight.kind == "action") {
    out["state"] = insight.state;
    out["due_date"] = insight.due_date ? json(*insight.due_date) : json(nullptr);
  }
  return out;
}

json MemoryJson(const Insight& entry) {
  json body = InsightBody(entry);
  return {{"id", entry.id},
          {"kind", entry.kind},
          {"label", body.value("label", "")},
          {"detail", body.value("detail", json::object())},
          {"state", entry.state},
          {"mentions", body.value("mentions", 0)},
          {"episodes", body.value("episodes", json::array()).size()},
          {"first_seen", body.value("first_seen", "")},
          {"last_seen", body.value("last_seen", "")},
          {"confidence", body.value("confidence", json::object())},
          {"edited_by_person", body.value("edited_by_person", false)},
          {"evidence", EvidenceJson(body.value("evidence", json::array()))},
          {"updated_at", FormatRfc3339(entry.updated_at)},
          {"explain_url", "/v1/explain/memory/" + entry.id}};
}

// The evidence of an explanation: each quoted moment with its words and whether its audio is
// still there; `missing` counts those no longer stored (retention, or the person removed them).
Result<json> QuotedEvidence(const ApiDependencies& deps, const std::string& tenant_id, const json& stored, int& missing) {
  json evidence = json::array();
  std::map<std::string, std::vector<Segment>> segments_of;
  std::map<std::string, bool> audio_of;
  for (const EvidenceRef& e : EvidenceFromJson(stored)) {
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
  ASSIGN_OR_RETURN(auto page, deps_.stores.insights.ListInsights(tenant_id, {.scope = "episode", .episode_id = episode.id}, 500, ""));
  json out = {{"enriched_at", FormatRfc3339(*episode.enriched_at)}, {"summary", nullptr},
              {"topics", json::array()}, {"people", json::array()}, {"places", json::array()},
              {"actions", json::array()}, {"preferences", json::array()}, {"emotion", nullptr}, {"urgency", nullptr}, {"notes", json::array()},
              {"method", nullptr}, {"tokens", nullptr}};
  // Newest first from storage; a conversation reads in the order it was said.
  for (auto it = page.items.rbegin(); it != page.items.rend(); ++it) {
    const Insight& insight = *it;
    json view = InsightJson(insight);
    if (insight.kind == "summary") out["summary"] = view;
    if (insight.kind == "emotion") out["emotion"] = view;
    if (insight.kind == "topic") out["topics"].push_back(view);
    if (insight.kind == "person") out["people"].push_back(view);
    if (insight.kind == "place") out["places"].push_back(view);
    if (insight.kind == "action") out["actions"].push_back(view);
    if (insight.kind == "preference") out["preferences"].push_back(view);
    if (insight.kind == "session") {
      json fields = view["fields"];
      out["urgency"] = fields.value("urgency", "low");
      out["notes"] = fields.value("notes", json::array());
      out["tokens"] = fields.value("tokens", json::object());
      out["method"] = view["method"];
      out["session_memory_id"] = insight.id;
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
  InsightFilter filter{.scope = "episode", .kind = "action", .state = state, .range = range};
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
  if (!found || found->kind != "action") return NotFound("no action " + id, "action_not_found");
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.value("state", json()).is_string() ||
      (body["state"] != "open" && body["state"] != "done")) {
    return InvalidArgument("send {\"state\": \"done\"} or {\"state\": \"open\"}", "invalid_state");
  }
  Insight action = *found;
  action.state = body["state"];
  action.updated_at = deps_.clock->Now();
  RETURN_IF_ERROR(deps_.stores.insights.PutInsight(action));
  // A commitment kept is no longer an open one in memory.
  json action_body = InsightBody(action);
  std::string key = CoreMemory::KeyOf("commitment", action_body.value("text", ""));
  auto commitment = deps_.stores.insights.FindInsightByKey(request.tenant->id, "core", "commitment", key);
  if (commitment.ok() && *commitment) {
    Insight entry = **commitment;
    entry.state = action.state == "done" ? "done" : "active";
    entry.dedup_key = key;
    entry.updated_at = action.updated_at;
    if (deps_.stores.insights.PutInsight(entry).ok()) SyncMemory(deps_, request.tenant->id);
  }
  return ServerResponse::Json(200, InsightJson(action));
}

Result<ServerResponse> ActionsApi::ListEmotions(ServerRequest& request) {
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(request));
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 50, 500));
  InsightFilter filter{.scope = "episode", .kind = "emotion", .range = range};
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
  InsightFilter filter{.scope = "core", .kind = request.Query("kind").value_or("")};
  ASSIGN_OR_RETURN(auto page, deps_.stores.insights.ListInsights(request.tenant->id, filter, limit,
                                                                  request.Query("cursor").value_or("")));
  json items = json::array();
  for (const auto& entry : page.items) items.push_back(MemoryJson(entry));
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

Result<Insight> MemoryApi::Find(const ServerRequest& request) {
  const std::string& id = request.params.at("id");
  ASSIGN_OR_RETURN(auto found, deps_.stores.insights.GetInsight(request.tenant->id, id));
  if (!found || found->scope != "core") return NotFound("no memory entry " + id, "memory_not_found");
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
  if (kind != "memory" && !kEpisodeKinds.count(kind)) {
    return InvalidArgument("kind must be memory or one of summary, topic, person, place, preference, action, "
                           "emotion, session",
                           "invalid_kind");
  }
  ASSIGN_OR_RETURN(auto found, deps_.stores.insights.GetInsight(request.tenant->id, id));
  bool matches = found && (kind == "memory" ? found->scope == "core" : found->kind == kind);
  if (!matches) return NotFound("no " + kind + " " + id, "not_found");
  const Insight& insight = *found;
  json body = InsightBody(insight);
  int missing = 0;
  ASSIGN_OR_RETURN(json evidence, QuotedEvidence(deps_, request.tenant->id, body.value("evidence", json::array()), missing));
  json out = {{"kind", kind},
              {"id", insight.id},
              {"conclusion", kind == "memory" ? body.value("label", "") : body.value("text", "")},
              {"method", body.value("method", json::object())},
              {"confidence", body.value("confidence", json::object())},
              {"evidence", evidence},
              {"evidence_no_longer_stored", missing}};
  if (kind == "memory") {
    out["detail"] = body.value("detail", json::object());
    out["learned_from"] = body.value("learned_from", json::array());
    out["episodes"] = body.value("episodes", json::array());
  } else {
    out["fields"] = body.value("fields", json::object());
    out["episode_id"] = insight.episode_id;
  }
  return ServerResponse::Json(200, out);
}

}  // namespace reflexio
