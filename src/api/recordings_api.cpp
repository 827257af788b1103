// /v1/recordings… and /v1/search: what was recorded, what was said in it, and the moment to replay.
#include <nlohmann/json.hpp>

#include "api/json_views.h"
#include "api/resources.h"
#include "audio/decoder.h"
#include "audio/opus_encoder.h"
#include "core/ids.h"
#include "pipeline/stored_audio.h"
#include "text/normalize.h"

namespace reflexio {

using nlohmann::json;

namespace {

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

// An upload's body on its way into the Ingestor; the recording is created when it is complete.
class RecordingUpload : public BodySink {
 public:
  RecordingUpload(Ingestor& ingestor, std::unique_ptr<StagedUpload> staged)
      : ingestor_(ingestor), staged_(std::move(staged)) {}
  Status Write(std::string_view bytes) override { return staged_->Write(bytes); }
  Result<ServerResponse> Finish(ServerRequest&) override {
    ASSIGN_OR_RETURN(InsertOutcome outcome, ingestor_.Finish(std::move(staged_)));
    const Recording& r = outcome.recording;
    auto response = ServerResponse::Json(202, {{"id", r.id}, {"status", ToString(r.status)},
                                               {"captured_at", FormatRfc3339(r.captured_at)}});
    response.headers.emplace_back("Location", "/v1/recordings/" + r.id);
    if (outcome.replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    return response;
  }

 private:
  Ingestor& ingestor_;
  std::unique_ptr<StagedUpload> staged_;
};

}  // namespace

void RecordingsApi::Register(Router& router) {
  Route upload;
  upload.method = "POST";
  upload.pattern = "/v1/recordings";
  upload.summary = "Upload a recording (raw audio body; X-Captured-At, Idempotency-Key)";
  upload.open_body = [this](ServerRequest& r) { return BeginUpload(r); };
  router.Add(std::move(upload));
  if (deps_.streams != nullptr) {
    Route stream;
    stream.method = "GET";
    stream.pattern = "/v1/stream";
    stream.summary = "Stream speech over a WebSocket: pieces stored as uploads, partial and final transcripts";
    stream.open_websocket = [streams = deps_.streams](ServerRequest& r) -> Result<std::shared_ptr<WebSocketSession>> {
      return streams->Open(*r.tenant);
    };
    router.Add(std::move(stream));
  }
  router.Add("GET", "/v1/recordings", "List recordings, newest first (from, to, limit, cursor)",
             [this](ServerRequest& r) { return List(r); });
  router.Add("GET", "/v1/recordings/{id}", "A recording's status, duration and speech seconds",
             [this](ServerRequest& r) { return Get(r); });
  router.Add("GET", "/v1/recordings/{id}/transcript", "Transcript segments with word times",
             [this](ServerRequest& r) { return GetTranscript(r); });
  router.Add("GET", "/v1/recordings/{id}/audio", "Audio clip (start, end; Ogg/Opus, or WAV with Accept: audio/wav)",
             [this](ServerRequest& r) { return GetAudio(r); });
}

// Everything is checked before a byte of the body is read, so a refused upload costs nothing.
Result<std::unique_ptr<BodySink>> RecordingsApi::BeginUpload(ServerRequest& request) {
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
  if (deps_.meter != nullptr) RETURN_IF_ERROR(AdmitUpload(ingest));
  ASSIGN_OR_RETURN(std::unique_ptr<StagedUpload> staged, deps_.ingestor.Begin(std::move(ingest)));
  return std::unique_ptr<BodySink>(std::make_unique<RecordingUpload>(deps_.ingestor, std::move(staged)));
}

// A retry of an upload already stored is answered as before even once the day's speech is used.
Status RecordingsApi::AdmitUpload(const IngestRequest& ingest) {
  if (ingest.idempotency_key) {
    ASSIGN_OR_RETURN(auto earlier, deps_.stores.recordings.FindByIdempotencyKey(ingest.tenant_id, *ingest.idempotency_key));
    if (earlier) return Status::Ok();
  }
  return deps_.meter->AdmitUpload(ingest.tenant_id);
}

Result<Recording> RecordingsApi::Find(const ServerRequest& request) {
  const std::string& id = request.params.at("id");
  auto missing = NotFound("no recording " + id, "recording_not_found");
  if (!LooksLikeId(id)) return missing;
  ASSIGN_OR_RETURN(auto found, deps_.stores.recordings.GetRecording(request.tenant->id, id));
  if (!found) return missing;
  return *found;
}

Result<ServerResponse> RecordingsApi::List(ServerRequest& request) {
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 50, 200));
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(request));
  ASSIGN_OR_RETURN(auto page, deps_.stores.recordings.ListRecordings(request.tenant->id, range, limit,
                                                                      request.Query("cursor").value_or("")));
  json items = json::array();
  for (const auto& r : page.items) items.push_back(RecordingJson(r));
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

Result<ServerResponse> RecordingsApi::Get(ServerRequest& request) {
  ASSIGN_OR_RETURN(Recording r, Find(request));
  return ServerResponse::Json(200, RecordingJson(r));
}

Result<ServerResponse> RecordingsApi::GetTranscript(ServerRequest& request) {
  ASSIGN_OR_RETURN(Recording r, Find(request));
  if (r.status != RecordingStatus::kTranscribed) return NotReady(r);
  ASSIGN_OR_RETURN(auto segments, deps_.stores.transcripts.GetSegments(r.tenant_id, r.id));
  json out = json::array();
  for (const auto& s : segments) out.push_back(SegmentJson(s));
  return ServerResponse::Json(200, {{"recording_id", r.id}, {"engine", r.engine}, {"language", r.language},
                                    {"captured_at", FormatRfc3339(r.captured_at)}, {"segments", out}});
}

Result<ServerResponse> RecordingsApi::GetAudio(ServerRequest& request) {
  ASSIGN_OR_RETURN(Recording r, Find(request));
  if (r.status != RecordingStatus::kTranscribed) return NotReady(r);
  if (r.audio_path.empty()) {
    return NotFound("the audio of recording " + r.id + " was deleted under the retention policy; its transcript remains",
                    "audio_deleted");
  }
  double duration = r.duration_s.value_or(0);
  ASSIGN_OR_RETURN(double start, ParseSeconds(request, "start", 0));
  ASSIGN_OR_RETURN(double end, ParseSeconds(request, "end", duration));
  double clip_end = std::min(end, duration);
  if (start >= clip_end) {
    return InvalidArgument("start must be before end, within the recording's " + std::to_string(duration) + " s",
                           "invalid_range");
  }
  auto audio = DecodeStoredAudio(deps_.blobs, r.audio_path,
                                 {.start_s = start, .end_s = clip_end, .check_complete = false, .seek = true});
  if (!audio.ok()) {
    return IsUndecodable(audio.status())
               ? Internal("stored audio is unreadable: " + audio.status().message(), "storage_error")
               : Unavailable("stored audio cannot be read: " + audio.status().message(), "storage_unavailable");
  }
  ServerResponse response;
  if (request.Header("accept").find("audio/wav") != std::string::npos) {
    response.content_type = "audio/wav";
    response.body = EncodeWav16(audio->samples);
  } else {
    ASSIGN_OR_RETURN(response.body, EncodeOggOpus(audio->samples, deps_.config.opus_bitrate));
    response.content_type = "audio/ogg; codecs=opus";
  }
  response.headers.emplace_back("X-Clip-Start", FormatSeconds(start));
  response.headers.emplace_back("X-Clip-End", FormatSeconds(clip_end));
  return response;
}

void SearchApi::Register(Router& router) {
  router.Add("GET", "/v1/search", "Search what was said (q, from, to, limit, cursor); best hit first among the newest matches",
             [this](ServerRequest& r) { return Search(r); });
}

Result<ServerResponse> SearchApi::Search(ServerRequest& request) {
  std::vector<std::string> terms = NormalizedWords(request.Query("q").value_or(""));
  if (terms.empty()) return InvalidArgument("q must contain at least one word", "empty_query");
  if (terms.size() > 32) return InvalidArgument("q may hold at most 32 words", "query_too_long");
  ASSIGN_OR_RETURN(int limit, ParseLimit(request, 20, 100));
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(request));
  ASSIGN_OR_RETURN(auto page, deps_.stores.transcripts.Search(request.tenant->id, terms, range, limit,
                                                               request.Query("cursor").value_or("")));
  json items = json::array();
  for (const auto& hit : page.items) {
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
  return ServerResponse::Json(200, PageJson(std::move(items), page.next_cursor));
}

}  // namespace reflexio
