#include "pipeline/ingest.h"

#include <algorithm>
#include <cctype>

#include "audio/decoder.h"
#include "core/file_util.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/digest.h"

namespace reflexio {

namespace fs = std::filesystem;

namespace {
std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(), [](unsigned char c) { return std::isspace(c); }), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type;
}

constexpr const char* kAcceptedTypes[] = {
    "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/flac", "audio/x-flac", "audio/ogg",
    "audio/opus", "application/ogg", "audio/webm", "video/webm", "audio/mp4", "audio/m4a", "audio/x-m4a",
    "audio/aac", "audio/mpeg", "audio/mp3", "application/octet-stream"};
}  // namespace

Ingestor::Ingestor(Database& db, BlobStore& blobs, const Config& config, Metrics& metrics,
                   std::function<void()> on_queued)
    : db_(db), blobs_(blobs), data_dir_(config.data_dir), max_attempts_(config.job_max_attempts), metrics_(metrics),
      on_queued_(std::move(on_queued)) {}

Status Ingestor::CheckContentType(const std::string& content_type) {
  std::string type = MediaType(content_type);
  if (type.empty()) {
    return Status(ErrorCode::kUnsupportedMedia, "missing_content_type",
                  "set Content-Type to the recording's type, e.g. audio/wav, audio/flac, audio/ogg, "
                  "audio/webm, audio/mp4 or audio/mpeg");
  }
  for (const char* accepted : kAcceptedTypes) {
    if (type == accepted) return Status::Ok();
  }
  return Status(ErrorCode::kUnsupportedMedia, "unsupported_media_type",
                "Content-Type '" + type + "' is not audio this server accepts; send WAV, FLAC, Ogg/Opus, "
                "WebM/Opus, M4A/AAC or MP3 with its audio/* type");
}

Status Ingestor::CheckIdempotencyKey(const std::string& key) {
  bool printable = std::all_of(key.begin(), key.end(), [](unsigned char c) { return c > 32 && c < 127; });
  if (key.empty() || key.size() > 255 || !printable) {
    return InvalidArgument("Idempotency-Key must be 1 to 255 visible ASCII characters", "invalid_idempotency_key");
  }
  return Status::Ok();
}

Result<InsertOutcome> Ingestor::Ingest(const IngestRequest& request) {
  struct RemoveUnlessKept {
    fs::path path;
    ~RemoveUnlessKept() { if (!path.empty()) RemoveQuietly(path); }
  } body{request.body_path};

  RETURN_IF_ERROR(CheckContentType(request.content_type));
  if (request.body_bytes == 0) {
    return InvalidArgument("the request body is empty; send the recording's bytes as the body", "empty_body");
  }
  std::string sha256 = Sha256FileHex(request.body_path.string());
  if (request.idempotency_key) {
    ASSIGN_OR_RETURN(auto earlier, db_.FindByIdempotencyKey(request.tenant_id, *request.idempotency_key));
    if (earlier) {
      if (earlier->body_sha256 != sha256) {
        return Status(ErrorCode::kConflict, "idempotency_key_reused",
                      "this Idempotency-Key was already used for a different recording (" + earlier->id + ")");
      }
      return InsertOutcome{*earlier, true};
    }
  }
  ASSIGN_OR_RETURN(DecodedAudio audio, DecodeAudioFile(request.body_path.string()));

  Recording r;
  r.tenant_id = request.tenant_id;
  r.id = NewId();
  r.content_type = MediaType(request.content_type);
  r.original_bytes = static_cast<int64_t>(request.body_bytes);
  r.body_sha256 = sha256;
  r.idempotency_key = request.idempotency_key;
  r.received_at = SystemClock::Instance().Now();
  r.captured_at = request.captured_at.value_or(r.received_at);
  r.updated_at = r.received_at;
  r.duration_s = audio.DurationSeconds();
  r.source_path = "incoming/" + r.tenant_id + "/" + r.id + ".upload";
  RETURN_IF_ERROR(blobs_.PutFile(r.source_path, request.body_path));
  body.path.clear();  // the store has it now

  auto outcome = db_.InsertRecording(r, "transcribe", max_attempts_);
  if (!outcome.ok() || outcome->replayed) {
    // Not acknowledged (or a concurrent upload with the same key won): keep nothing.
    Status removed = blobs_.Delete(r.source_path);
    if (!removed.ok()) LOG_WARN("cannot remove unacknowledged upload " << r.source_path << ": " << removed.message());
    return outcome;
  }
  metrics_.CountUpload(request.body_bytes);
  LOG_INFO("recording " << r.id << " queued (" << request.body_bytes << " bytes, " << audio.container << "/"
                        << audio.codec << ", " << audio.DurationSeconds() << " s)");
  if (on_queued_) on_queued_();
  return *outcome;
}

}  // namespace reflexio
