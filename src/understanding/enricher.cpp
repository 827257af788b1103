#include "understanding/enricher.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "core/ids.h"
#include "core/local_time.h"
#include "core/log.h"
#include "model/insight_body.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

std::vector<int> AllOf(size_t count) {
  std::vector<int> all(count);
  for (size_t i = 0; i < count; ++i) all[i] = static_cast<int>(i);
  return all;
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

Result<EpisodeTranscript> Enricher::TranscriptOf(const Episode& episode,
                                                 const std::vector<EpisodeSegment>& segments) const {
  EpisodeTranscript transcript;
  transcript.tenant_id = episode.tenant_id;
  transcript.episode_id = episode.id;
  for (const EpisodeSegment& s : segments) {
    if (s.segment.quality == "garbage") continue;
    double confidence = 0;
    for (const auto& w : s.segment.words) confidence += w.confidence;
    if (!s.segment.words.empty()) confidence /= static_cast<double>(s.segment.words.size());
    transcript.utterances.push_back(Utterance{s.recording_id, s.segment.seq, s.segment.captured_at, s.segment.start_s,
                                              s.segment.end_s, s.segment.text, s.segment.quality, confidence});
  }
  ASSIGN_OR_RETURN(transcript.memory_context, memory_.PromptContext(episode.tenant_id));
  // "Tomorrow" is the person's tomorrow: their zone's offset when the episode began.
  ASSIGN_OR_RETURN(TenantSettings settings, stores_.privacy.GetTenantSettings(episode.tenant_id));
  ASSIGN_OR_RETURN(transcript.utc_offset_minutes,
                   UtcOffsetMinutes(episode.started_at, settings.timezone.value_or(default_timezone_)));
  return transcript;
}

EmotionFields Enricher::EmotionOf(const Finding& finding, const EpisodeTranscript& transcript,
                                  const std::vector<EpisodeSegment>& segments, std::vector<int>& voiced) {
  // The voice's part: arousal of the segments with prosody, weighted by their length.
  double weighted = 0, seconds = 0;
  for (const EpisodeSegment& s : segments) {
    if (s.segment.prosody_json.empty()) continue;
    json prosody = json::parse(s.segment.prosody_json, nullptr, false);
    if (!prosody.is_object() || !prosody.value("arousal", json()).is_number()) continue;
    double length = std::max(0.01, s.segment.end_s - s.segment.start_s);
    weighted += prosody["arousal"].get<double>() * length;
    seconds += length;
    for (size_t u = 0; u < transcript.utterances.size(); ++u) {
      if (transcript.utterances[u].recording_id == s.recording_id && transcript.utterances[u].seq == s.segment.seq) {
        voiced.push_back(static_cast<int>(u));
      }
    }
  }
  EmotionFields emotion;
  emotion.valence = finding.fields.value("valence", 0.0);
  emotion.words.valence = emotion.valence;
  emotion.words.emotions = finding.fields.value("emotions", std::map<std::string, int>{});
  emotion.words.segments = finding.evidence.size();
  emotion.words.confidence = finding.confidence;
  emotion.words.words = finding.fields.value("words", std::vector<std::string>{});
  emotion.voice.segments = voiced.size();
  if (seconds > 0) {
    emotion.arousal = weighted / seconds;
    emotion.voice = {emotion.arousal, voiced.size(), seconds, "prosody"};
  }
  emotion.quadrant = EmotionQuadrant(emotion.valence, emotion.arousal.value_or(0.0));
  return emotion;
}

Result<SessionFields> Enricher::SessionOf(const Episode& episode, const EpisodeTranscript& transcript,
                                          const Enrichment& enrichment) const {
  SessionFields session;
  session.urgency = enrichment.urgency;
  session.notes = enrichment.notes;
  session.segments = transcript.utterances.size();
  for (const Finding& f : enrichment.findings) {
    if (f.kind == InsightKind::kPerson) session.people.push_back(f.text);
    if (f.kind == InsightKind::kTopic) session.topics.push_back(f.text);
    if (f.kind == InsightKind::kAction) session.open_actions.push_back(f.text);
  }
  // What sending memory instead of the earlier conversations' transcripts saves.
  std::string transcript_text;
  for (const Utterance& u : transcript.utterances) transcript_text += u.text + "\n";
  ASSIGN_OR_RETURN(auto earlier, stores_.insights.ListInsights(
                                     episode.tenant_id,
                                     {.scope = InsightScope::kEpisode, .kind = InsightKind::kSession}, 1000, ""));
  for (const Insight& other : earlier.items) {
    if (other.episode_id != episode.id) {
      session.tokens.raw_history += FieldsOf<SessionFields>(EpisodeBodyOf(other)).tokens.transcript;
    }
  }
  session.tokens.transcript = EstimatedTokens(transcript_text);
  session.tokens.memory_context = EstimatedTokens(transcript.memory_context);
  session.tokens.saved = session.tokens.raw_history - session.tokens.memory_context;
  return session;
}

Result<std::vector<Insight>> Enricher::Understand(const Episode& episode,
                                                  const std::vector<EpisodeSegment>& segments) const {
  const std::string& tenant = episode.tenant_id;
  ASSIGN_OR_RETURN(EpisodeTranscript transcript, TranscriptOf(episode, segments));
  ASSIGN_OR_RETURN(Enrichment enrichment, provider_.Enrich(transcript));

  auto insight_of = [&](InsightKind kind, const std::vector<int>& indexes, EpisodeInsightBody body) {
    for (int i : indexes) {
      const Utterance& u = transcript.utterances[static_cast<size_t>(i)];
      body.evidence.push_back({episode.id, u.recording_id, u.seq, u.start_s, u.end_s, u.captured_at});
    }
    body.method = enrichment.method;
    Insight insight;
    insight.tenant_id = tenant;
    insight.id = NewId();
    insight.scope = InsightScope::kEpisode;
    insight.episode_id = episode.id;
    insight.kind = kind;
    insight.at = body.evidence.empty() ? episode.started_at : body.evidence.front().captured_at;
    insight.body = json(body).dump();
    insight.updated_at = clock_.Now();
    return insight;
  };

  std::vector<Insight> insights;
  std::string summary_text;
  for (const Finding& f : enrichment.findings) {
    EpisodeInsightBody body{.text = f.text, .fields = f.fields, .confidence = f.confidence};
    std::vector<int> evidence = f.evidence;
    if (f.kind == InsightKind::kEmotion) {
      std::vector<int> voiced;
      body.fields = EmotionOf(f, transcript, segments, voiced);
      for (int v : voiced) {
        if (std::find(evidence.begin(), evidence.end(), v) == evidence.end()) evidence.push_back(v);
      }
      std::sort(evidence.begin(), evidence.end());
    }
    Insight insight = insight_of(f.kind, evidence, std::move(body));
    if (f.kind == InsightKind::kAction) {
      insight.state = InsightState::kOpen;
      insight.due_date = f.fields.get<ActionFields>().due_date;
    }
    if (f.kind == InsightKind::kSummary) summary_text = f.text;
    insights.push_back(std::move(insight));
  }
  ASSIGN_OR_RETURN(SessionFields session, SessionOf(episode, transcript, enrichment));
  insights.push_back(insight_of(InsightKind::kSession, AllOf(transcript.utterances.size()),
                                EpisodeInsightBody{.text = summary_text, .fields = session}));
  return insights;
}

Status Enricher::EnrichEpisode(const Episode& episode) {
  const std::string& tenant = episode.tenant_id;
  ASSIGN_OR_RETURN(auto segments, stores_.transcripts.GetEpisodeSegments(tenant, episode.id));
  ASSIGN_OR_RETURN(std::vector<Insight> insights, Understand(episode, segments));
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
