#include "understanding/enricher.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "core/ids.h"
#include "core/local_time.h"
#include "core/log.h"
#include "memory/evidence.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

json ConfidenceJson(const Confidence& c) {
  return {{"value", c.value ? json(*c.value) : json(nullptr)}, {"basis", c.basis}, {"detail", c.detail}};
}

json MethodJson(const Method& m) {
  return {{"provider", m.provider}, {"model", m.model}, {"prompt_version", m.prompt_version}, {"steps", m.steps}};
}

}  // namespace

int64_t EstimatedTokens(const std::string& text) { return static_cast<int64_t>((text.size() + 3) / 4); }

std::string EmotionQuadrant(double valence, double arousal) {
  if (valence > 0.2) return arousal >= 0.5 ? "excited" : "content";
  if (valence < -0.2) return arousal >= 0.5 ? "tense" : "low";
  return "neutral";
}

Result<EnrichReport> Enricher::Run() {
  EnrichReport report;
  ASSIGN_OR_RETURN(auto tenants, stores_.tenants.ListTenants());
  for (const Tenant& tenant : tenants) {
    ASSIGN_OR_RETURN(auto episodes, stores_.episodes.ListEpisodesToEnrich(tenant.id, 20));
    for (const Episode& episode : episodes) {
      Status s = EnrichEpisode(episode);
      if (s.ok()) {
        ++report.episodes_enriched;
      } else {
        ++report.episodes_failed;
        LOG_WARN("episode " << episode.id << " could not be understood yet: " << s.message());
      }
    }
  }
  return report;
}

Status Enricher::EnrichEpisode(const Episode& episode) {
  const std::string& tenant = episode.tenant_id;
  ASSIGN_OR_RETURN(auto segments, stores_.transcripts.GetEpisodeSegments(tenant, episode.id));
  EpisodeTranscript transcript;
  transcript.tenant_id = tenant;
  transcript.episode_id = episode.id;
  for (const EpisodeSegment& s : segments) {
    if (s.segment.quality == "garbage") continue;
    double confidence = 0;
    for (const auto& w : s.segment.words) confidence += w.confidence;
    if (!s.segment.words.empty()) confidence /= static_cast<double>(s.segment.words.size());
    transcript.utterances.push_back(Utterance{s.recording_id, s.segment.seq, s.segment.captured_at, s.segment.start_s,
                                              s.segment.end_s, s.segment.text, s.segment.quality, confidence});
  }
  ASSIGN_OR_RETURN(transcript.memory_context, memory_.PromptContext(tenant));
  // "Tomorrow" is the person's tomorrow: their zone's offset when the episode began.
  ASSIGN_OR_RETURN(TenantSettings settings, stores_.privacy.GetTenantSettings(tenant));
  ASSIGN_OR_RETURN(transcript.utc_offset_minutes,
                   UtcOffsetMinutes(episode.started_at, settings.timezone.value_or(default_timezone_)));
  ASSIGN_OR_RETURN(Enrichment enrichment, provider_.Enrich(transcript));

  auto evidence_of = [&](const std::vector<int>& indexes) {
    std::vector<EvidenceRef> refs;
    for (int i : indexes) {
      const Utterance& u = transcript.utterances[static_cast<size_t>(i)];
      refs.push_back({episode.id, u.recording_id, u.seq, u.start_s, u.end_s, u.captured_at});
    }
    return refs;
  };
  auto insight_of = [&](const std::string& kind, const std::vector<EvidenceRef>& evidence, json body) {
    Insight insight;
    insight.tenant_id = tenant;
    insight.id = NewId();
    insight.scope = "episode";
    insight.episode_id = episode.id;
    insight.kind = kind;
    insight.at = evidence.empty() ? episode.started_at : evidence.front().captured_at;
    body["evidence"] = EvidenceToJson(evidence);
    body["method"] = MethodJson(enrichment.method);
    insight.body = body.dump();
    insight.updated_at = clock_.Now();
    return insight;
  };

  std::vector<Insight> insights;
  json summary_text = "", people = json::array(), topics = json::array(), open_actions = json::array();
  for (const Finding& f : enrichment.findings) {
    std::vector<EvidenceRef> evidence = evidence_of(f.evidence);
    json body = {{"text", f.text}, {"fields", f.fields}, {"confidence", ConfidenceJson(f.confidence)}};
    if (f.kind == "emotion") {
      // The voice's part: arousal of the segments with prosody, weighted by their length.
      double weighted = 0, seconds = 0;
      std::vector<int> voiced;
      for (size_t i = 0; i < segments.size(); ++i) {
        if (segments[i].segment.prosody_json.empty()) continue;
        json prosody = json::parse(segments[i].segment.prosody_json, nullptr, false);
        if (!prosody.is_object() || !prosody.value("arousal", json()).is_number()) continue;
        double length = std::max(0.01, segments[i].segment.end_s - segments[i].segment.start_s);
        weighted += prosody["arousal"].get<double>() * length;
        seconds += length;
        for (size_t u = 0; u < transcript.utterances.size(); ++u) {
          if (transcript.utterances[u].recording_id == segments[i].recording_id &&
              transcript.utterances[u].seq == segments[i].segment.seq) {
            voiced.push_back(static_cast<int>(u));
          }
        }
      }
      double valence = f.fields.value("valence", 0.0);
      json voice = seconds > 0 ? json{{"arousal", weighted / seconds}, {"segments", voiced.size()},
                                      {"seconds", seconds}, {"basis", "prosody"}}
                               : json{{"arousal", nullptr}, {"segments", 0}, {"basis", "no prosody"}};
      json words = {{"valence", valence}, {"emotions", f.fields.value("emotions", json::object())},
                    {"segments", f.evidence.size()}, {"confidence", ConfidenceJson(f.confidence)}};
      if (f.fields.contains("words")) words["words"] = f.fields["words"];
      body["fields"] = {{"valence", valence},
                        {"arousal", voice["arousal"]},
                        {"quadrant", EmotionQuadrant(valence, seconds > 0 ? weighted / seconds : 0.0)},
                        {"parts", {{"words", words}, {"voice", voice}}}};
      std::vector<int> all = f.evidence;
      for (int v : voiced) {
        if (std::find(all.begin(), all.end(), v) == all.end()) all.push_back(v);
      }
      std::sort(all.begin(), all.end());
      evidence = evidence_of(all);
    }
    Insight insight = insight_of(f.kind, evidence, body);
    if (f.kind == "action") {
      insight.state = "open";
      if (f.fields.value("due_date", json()).is_string()) insight.due_date = f.fields["due_date"].get<std::string>();
      open_actions.push_back(f.text);
    }
    if (f.kind == "summary") summary_text = f.text;
    if (f.kind == "person") people.push_back(f.text);
    if (f.kind == "topic") topics.push_back(f.text);
    insights.push_back(std::move(insight));
  }

  // Session memory, with what sending memory instead of history saves.
  std::string transcript_text;
  for (const Utterance& u : transcript.utterances) transcript_text += u.text + "\n";
  ASSIGN_OR_RETURN(auto earlier, stores_.insights.ListInsights(tenant, {.scope = "episode", .kind = "session"}, 1000, ""));
  int64_t raw_history = 0;
  for (const Insight& session : earlier.items) {
    if (session.episode_id == episode.id) continue;
    json body = json::parse(session.body, nullptr, false);
    if (body.is_object()) raw_history += body["fields"]["tokens"].value("transcript", 0);
  }
  int64_t memory_tokens = EstimatedTokens(transcript.memory_context);
  std::vector<int> everything(transcript.utterances.size());
  for (size_t i = 0; i < everything.size(); ++i) everything[i] = static_cast<int>(i);
  json session = {{"text", summary_text},
                  {"fields", {{"urgency", enrichment.urgency}, {"people", people}, {"topics", topics},
                              {"open_actions", open_actions}, {"notes", enrichment.notes},
                              {"segments", transcript.utterances.size()},
                              {"tokens", {{"transcript", EstimatedTokens(transcript_text)},
                                          {"memory_context", memory_tokens},
                                          {"raw_history", raw_history},
                                          {"saved", raw_history - memory_tokens},
                                          {"estimate", "utf8_bytes_div_4"}}}}},
                  {"confidence", ConfidenceJson(Confidence::Unknown())}};
  insights.push_back(insight_of("session", evidence_of(everything), session));

  ASSIGN_OR_RETURN(auto learned, memory_.Learn(tenant, episode.id, insights));
  std::vector<Insight> stored = insights;
  stored.insert(stored.end(), learned.begin(), learned.end());
  RETURN_IF_ERROR(stores_.insights.StoreEnrichment(tenant, episode.id, stored, clock_.Now()));
  if (letta_ != nullptr && !learned.empty()) {
    auto synced = letta_->Sync(tenant);
    if (!synced.ok()) LOG_WARN("Letta sync for tenant " << tenant << " failed (the next one repairs it): " << synced.status().message());
  }
  return Status::Ok();
}

}  // namespace reflexio
