#include "api/api.h"

#include <nlohmann/json.hpp>

#include "api/json_views.h"
#include "audio/decoder.h"
#include "audio/opus_encoder.h"
#include "core/file_util.h"
#include "core/ids.h"
#include "crypto/api_key.h"
#include "pipeline/stored_audio.h"
#include "text/normalize.h"
#include "version.h"

namespace reflexio {

using nlohmann::json;

namespace {

// How long a digest delivery may keep failing before /health says so.
constexpr double kDeliveryAgeDegraded_s = 3600;

// The outbox as /health and the metrics report it: failures of the last 24 hours.
Result<DeliveryStats> RecentDeliveryStats(DeliveryOutbox& outbox, const Clock& clock) {
  return outbox.GetDeliveryStats(AddSeconds(clock.Now(), -86400));
}

Result<double> ParseSeconds(const ServerRequest& request, const std::string& name, double fallback) {
  auto text = request.Query(name);
  if (!text) return fallback;
  char* end = nullptr;
  double value = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || !std::isfinite(value) || value < 0) {
    return InvalidArgument(name + " must be a number of seconds from the start of the recording", "invalid_" + name);
  }
  return value;
}

Status NotReady(const Recording& r) {
  return Status(ErrorCode::kConflict, "not_ready",
                "recording " + r.id + " is " + ToString(r.status) +
                    (r.status == RecordingStatus::kFailed ? " (" + r.error + ")" : "; try again when it is transcribed"));
}


}  // namespace

Result<Tenant> Api::Authenticate(const std::string& key) {
  auto bad = Status(ErrorCode::kUnauthenticated, "invalid_api_key", "the API key is not valid");
  if (!LooksLikeApiKey(key)) return bad;
  ASSIGN_OR_RETURN(auto tenant, deps_.stores.tenants.TenantForKeyHash(HashApiKey(key)));
  if (!tenant) return bad;
  return *tenant;
}

void Api::RegisterRoutes(Router& router) {
  router.Add("GET", "/", "Service name, version and the endpoints",
             [this, &router](ServerRequest&) { return Index(router); }, false);
  router.Add("GET", "/health", "Health checks; 503 when degraded", [this](ServerRequest&) { return Health(); }, false);
  router.Add("GET", "/metrics/prometheus", "Prometheus metrics",
             [this](ServerRequest&) { return PrometheusMetrics(); }, false);

  Route upload;
  upload.method = "POST";
  upload.pattern = "/v1/recordings";
  upload.summary = "Upload a recording (raw audio body; X-Captured-At, Idempotency-Key)";
  upload.open_body = [this](ServerRequest& r) { return BeginRecording(r); };
  router.Add(std::move(upload));

  router.Add("GET", "/v1/recordings", "List recordings, newest first (from, to, limit, cursor)",
             [this](ServerRequest& r) { return ListRecordings(r); });
  router.Add("GET", "/v1/recordings/{id}", "A recording's status, duration and speech seconds",
             [this](ServerRequest& r) { return GetRecording(r); });
  router.Add("GET", "/v1/recordings/{id}/transcript", "Transcript segments with word times",
             [this](ServerRequest& r) { return GetTranscript(r); });
  router.Add("GET", "/v1/recordings/{id}/audio", "Audio clip (start, end; Ogg/Opus, or WAV with Accept: audio/wav)",
             [this](ServerRequest& r) { return GetAudio(r); });
  router.Add("GET", "/v1/search", "Search what was said (q, from, to, limit, cursor); best hit first",
             [this](ServerRequest& r) { return Search(r); });
  router.Add("GET", "/v1/episodes", "Conversations, newest first (from, to, limit, cursor)",
             [this](ServerRequest& r) { return ListEpisodes(r); });
  router.Add("GET", "/v1/episodes/{id}", "One conversation: when, how long, and what was understood from it",
             [this](ServerRequest& r) { return GetEpisode(r); });
  RegisterUnderstandingRoutes(router);
  RegisterDigestRoutes(router);
  RegisterPrivacyRoutes(router);
}

ServerResponse Api::Index(const Router& router) {
  json endpoints = json::array();
  for (const Route& route : router.routes()) {
    endpoints.push_back({{"method", route.method}, {"path", route.pattern}, {"summary", route.summary},
                         {"auth", route.authenticated ? "bearer" : "none"}});
  }
  return ServerResponse::Json(200, {{"service", "reflexio"}, {"version", kReflexioVersion}, {"endpoints", endpoints}});
}

ServerResponse Api::Health() {
  json checks = json::object();
  bool healthy = true;
  auto check = [&](const std::string& name, bool ok, json detail) {
    detail["ok"] = ok;
    checks[name] = std::move(detail);
    healthy = healthy && ok;
  };
  Status writable = deps_.stores.jobs.CheckWritable();
  check("database", writable.ok(), writable.ok() ? json{{"writable", true}} : json{{"error", writable.message()}});
  auto free_bytes = FreeDiskBytes(deps_.config.data_dir);
  if (free_bytes.ok()) {
    check("disk", *free_bytes >= deps_.config.min_free_disk_bytes,
          {{"free_bytes", *free_bytes}, {"min_free_bytes", deps_.config.min_free_disk_bytes}});
  } else {
    check("disk", false, {{"error", free_bytes.status().message()}});
  }
  Status store = deps_.blobs.Check();
  check("object_store", store.ok(),
        store.ok() ? json{{"backend", deps_.blobs.Describe()}} : json{{"backend", deps_.blobs.Describe()}, {"error", store.message()}});
  if (deps_.engines) {
    Status ready = deps_.engines->Ready();
    json detail = {{"engine", deps_.engines->engine_name()}};
    if (!ready.ok()) detail["error"] = ready.message();
    check("asr", ready.ok(), std::move(detail));
  }
  auto stats = deps_.stores.jobs.GetQueueStats();
  if (stats.ok()) {
    check("queue", stats->oldest_queued_age_s <= deps_.config.queue_age_degraded_s,
          {{"depth", stats->queued}, {"running", stats->running}, {"dead", stats->dead},
           {"oldest_queued_age_seconds", Millis(stats->oldest_queued_age_s)},
           {"max_age_seconds", deps_.config.queue_age_degraded_s}});
  } else {
    check("queue", false, {{"error", stats.status().message()}});
  }
  // Digest deliveries: any given up on in the last day, or one that has kept failing for an hour.
  auto deliveries = RecentDeliveryStats(deps_.stores.outbox, *deps_.clock);
  if (deliveries.ok()) {
    check("telegram", deliveries->failed == 0 && deliveries->oldest_pending_age_s <= kDeliveryAgeDegraded_s,
          {{"configured", !deps_.config.telegram.bot_token.empty()}, {"pending", deliveries->pending},
           {"failed_last_24h", deliveries->failed},
           {"oldest_pending_age_seconds", Millis(deliveries->oldest_pending_age_s)},
           {"max_age_seconds", kDeliveryAgeDegraded_s}});
  } else {
    check("telegram", false, {{"error", deliveries.status().message()}});
  }
  return ServerResponse::Json(healthy ? 200 : 503, {{"status", healthy ? "ok" : "degraded"}, {"checks", checks}});
}

ServerResponse Api::PrometheusMetrics() {
  if (auto stats = deps_.stores.jobs.GetQueueStats(); stats.ok()) {
    deps_.metrics.SetQueueDepth("queued", static_cast<double>(stats->queued));
    deps_.metrics.SetQueueDepth("running", static_cast<double>(stats->running));
    deps_.metrics.SetQueueDepth("dead", static_cast<double>(stats->dead));
    deps_.metrics.SetOldestQueuedAge(stats->oldest_queued_age_s);
  }
  if (auto deliveries = RecentDeliveryStats(deps_.stores.outbox, *deps_.clock); deliveries.ok()) {
    deps_.metrics.SetDigestDeliveryBacklog(static_cast<double>(deliveries->pending),
                                           static_cast<double>(deliveries->failed));
  }
  ServerResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = deps_.metrics.Serialize();
  return r;
}

namespace {

// An upload's body on its way into the Ingestor; the recording is created when it is complete.
class RecordingUpload : public BodySink {
 public:
  RecordingUpload(Ingestor& ingestor, std::unique_ptr<StagedUpload> staged)
      : ingestor_(ingestor), staged_(std::move(staged)) {}
  Status Write(std::string_view bytes) override { return staged_->Write(bytes); }
  ServerResponse Finish(ServerRequest&) override {
    auto outcome = ingestor_.Finish(std::move(staged_));
    if (!outcome.ok()) return ErrorResponse(outcome.status());
    const Recording& r = outcome->recording;
    auto response = ServerResponse::Json(202, {{"id", r.id}, {"status", ToString(r.status)},
                                               {"captured_at", FormatRfc3339(r.captured_at)}});
    response.headers.emplace_back("Location", "/v1/recordings/" + r.id);
    if (outcome->replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    return response;
  }

 private:
  Ingestor& ingestor_;
  std::unique_ptr<StagedUpload> staged_;
};

}  // namespace

// Everything is checked before a byte of the body is read, so a refused upload costs nothing.
Result<std::unique_ptr<BodySink>> Api::BeginRecording(ServerRequest& request) {
  IngestRequest ingest;
  ingest.tenant_id = request.tenant->id;
  ingest.content_type = request.Header("content-type");
  if (auto at = request.headers.find("x-captured-at"); at != request.headers.end()) {
    auto captured_at = ParseRfc3339(at->second);
    if (!captured_at.ok()) return captured_at.status().WithContext("X-Captured-At");
    ingest.captured_at = *captured_at;
  }
  if (auto key = request.headers.find("idempotency-key"); key != request.headers.end()) {
    ingest.idempotency_key = key->second;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<StagedUpload> staged, deps_.ingestor.Begin(std::move(ingest)));
  return std::unique_ptr<BodySink>(std::make_unique<RecordingUpload>(deps_.ingestor, std::move(staged)));
}

Result<Recording> Api::FindRecording(const ServerRequest& request) {
  const std::string& id = request.params.at("id");
  auto missing = NotFound("no recording " + id, "recording_not_found");
  if (!LooksLikeId(id)) return missing;
  ASSIGN_OR_RETURN(auto found, deps_.stores.recordings.GetRecording(request.tenant->id, id));
  if (!found) return missing;
  return *found;
}

ServerResponse Api::ListRecordings(ServerRequest& request) {
  auto limit = ParseLimit(request, 50, 200);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto range = ParseRange(request);
  if (!range.ok()) return ErrorResponse(range.status());
  auto page = deps_.stores.recordings.ListRecordings(request.tenant->id, *range, *limit, request.Query("cursor").value_or(""));
  if (!page.ok()) return ErrorResponse(page.status());
  json items = json::array();
  for (const auto& r : page->items) items.push_back(RecordingJson(r));
  return ServerResponse::Json(200, PageJson(std::move(items), page->next_cursor));
}

ServerResponse Api::GetRecording(ServerRequest& request) {
  auto r = FindRecording(request);
  if (!r.ok()) return ErrorResponse(r.status());
  return ServerResponse::Json(200, RecordingJson(*r));
}

ServerResponse Api::GetTranscript(ServerRequest& request) {
  auto r = FindRecording(request);
  if (!r.ok()) return ErrorResponse(r.status());
  if (r->status != RecordingStatus::kTranscribed) return ErrorResponse(NotReady(*r));
  auto segments = deps_.stores.transcripts.GetSegments(r->tenant_id, r->id);
  if (!segments.ok()) return ErrorResponse(segments.status());
  json out = json::array();
  for (const auto& s : *segments) out.push_back(SegmentJson(s));
  return ServerResponse::Json(200, {{"recording_id", r->id}, {"engine", r->engine}, {"language", r->language},
                                    {"captured_at", FormatRfc3339(r->captured_at)}, {"segments", out}});
}

ServerResponse Api::GetAudio(ServerRequest& request) {
  auto r = FindRecording(request);
  if (!r.ok()) return ErrorResponse(r.status());
  if (r->status != RecordingStatus::kTranscribed) return ErrorResponse(NotReady(*r));
  if (r->audio_path.empty()) {
    return ErrorResponse(NotFound("the audio of recording " + r->id +
                                      " was deleted under the retention policy; its transcript remains", "audio_deleted"));
  }
  double duration = r->duration_s.value_or(0);
  auto start = ParseSeconds(request, "start", 0);
  if (!start.ok()) return ErrorResponse(start.status());
  auto end = ParseSeconds(request, "end", duration);
  if (!end.ok()) return ErrorResponse(end.status());
  double clip_end = std::min(*end, duration);
  if (*start >= clip_end) {
    return ErrorResponse(InvalidArgument("start must be before end, within the recording's " +
                                             std::to_string(duration) + " s", "invalid_range"));
  }
  auto audio = DecodeStoredAudio(deps_.blobs, r->audio_path,
                                 {.start_s = *start, .end_s = clip_end, .check_complete = false, .seek = true});
  if (!audio.ok()) {
    return ErrorResponse(IsUndecodable(audio.status())
                             ? Internal("stored audio is unreadable: " + audio.status().message(), "storage_error")
                             : Unavailable("stored audio cannot be read: " + audio.status().message(), "storage_unavailable"));
  }
  ServerResponse response;
  if (request.Header("accept").find("audio/wav") != std::string::npos) {
    response.content_type = "audio/wav";
    response.body = EncodeWav16(audio->samples);
  } else {
    auto opus = EncodeOggOpus(audio->samples, deps_.config.opus_bitrate);
    if (!opus.ok()) return ErrorResponse(opus.status());
    response.content_type = "audio/ogg; codecs=opus";
    response.body = std::move(*opus);
  }
  response.headers.emplace_back("X-Clip-Start", FormatSeconds(*start));
  response.headers.emplace_back("X-Clip-End", FormatSeconds(clip_end));
  return response;
}

ServerResponse Api::Search(ServerRequest& request) {
  std::vector<std::string> terms = NormalizedWords(request.Query("q").value_or(""));
  if (terms.empty()) return ErrorResponse(InvalidArgument("q must contain at least one word", "empty_query"));
  if (terms.size() > 32) return ErrorResponse(InvalidArgument("q may hold at most 32 words", "query_too_long"));
  auto limit = ParseLimit(request, 20, 100);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto range = ParseRange(request);
  if (!range.ok()) return ErrorResponse(range.status());
  auto page = deps_.stores.transcripts.Search(request.tenant->id, terms, *range, *limit, request.Query("cursor").value_or(""));
  if (!page.ok()) return ErrorResponse(page.status());
  json items = json::array();
  for (const auto& hit : page->items) {
    HitSpan span = LocateHit(hit.segment, terms);
    TimePoint recording_start = AddSeconds(hit.segment.captured_at, -hit.segment.start_s);
    items.push_back({{"recording_id", hit.recording_id},
                     {"start", Millis(span.start_s)},
                     {"end", Millis(span.end_s)},
                     {"captured_at", FormatRfc3339(AddSeconds(recording_start, span.start_s))},
                     {"segment_start", Millis(hit.segment.start_s)},
                     {"segment_end", Millis(hit.segment.end_s)},
                     {"snippet", hit.snippet},
                     {"text", hit.segment.text},
                     {"score", hit.score},
                     {"audio_url", "/v1/recordings/" + hit.recording_id + "/audio?start=" +
                                       FormatSeconds(std::max(0.0, span.start_s - 1)) + "&end=" +
                                       FormatSeconds(span.end_s + 1)}});
  }
  return ServerResponse::Json(200, PageJson(std::move(items), page->next_cursor));
}

ServerResponse Api::ListEpisodes(ServerRequest& request) {
  auto limit = ParseLimit(request, 50, 200);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto range = ParseRange(request);
  if (!range.ok()) return ErrorResponse(range.status());
  auto page = deps_.stores.episodes.ListEpisodes(request.tenant->id, *range, *limit, request.Query("cursor").value_or(""));
  if (!page.ok()) return ErrorResponse(page.status());
  json items = json::array();
  for (const auto& e : page->items) items.push_back(EpisodeJson(e));
  return ServerResponse::Json(200, PageJson(std::move(items), page->next_cursor));
}

ServerResponse Api::GetEpisode(ServerRequest& request) {
  auto found = deps_.stores.episodes.GetEpisode(request.tenant->id, request.params.at("id"));
  if (!found.ok()) return ErrorResponse(found.status());
  if (!*found) return ErrorResponse(NotFound("no episode " + request.params.at("id"), "episode_not_found"));
  json out = EpisodeJson(**found);
  Status status;
  out["enrichment"] = EnrichmentJson(request.tenant->id, **found, status);
  if (!status.ok()) return ErrorResponse(status);
  return ServerResponse::Json(200, out);
}

}  // namespace reflexio
