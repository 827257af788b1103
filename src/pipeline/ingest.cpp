#include "pipeline/ingest.h"

#include <algorithm>
#include <cctype>

#include "core/ids.h"
#include "core/log.h"
#include "core/strings.h"
#include "pipeline/stored_audio.h"

namespace reflexio {

namespace {
std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(), [](unsigned char c) { return std::isspace(c); }), type.end());
  return AsciiLower(type);
}

constexpr const char* kAcceptedTypes[] = {
    "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/flac", "audio/x-flac", "audio/ogg",
    "audio/opus", "application/ogg", "audio/webm", "video/webm", "audio/mp4", "audio/m4a", "audio/x-m4a",
    "audio/aac", "audio/mpeg", "audio/mp3", "application/octet-stream"};
}  // namespace

Ingestor::Ingestor(RecordingStore& recordings, BlobStore& blobs, const Config& config, Metrics& metrics,
                   std::function<void()> on_queued, const Clock& clock)
    : recordings_(recordings), blobs_(blobs), max_attempts_(config.job_max_attempts), metrics_(metrics),
      on_queued_(std::move(on_queued)), clock_(clock) {}

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

Status StagedUpload::Write(std::string_view bytes) {
  sha256_.Update(bytes);
  bytes_ += bytes.size();
  return writer_->Append(bytes);
}

Result<std::unique_ptr<StagedUpload>> Ingestor::Begin(IngestRequest request) {
  RETURN_IF_ERROR(CheckContentType(request.content_type));
  if (request.idempotency_key) RETURN_IF_ERROR(CheckIdempotencyKey(*request.idempotency_key));
  std::string id = NewId();
  std::string key = "incoming/" + request.tenant_id + "/" + id + ".upload";
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, blobs_.Create(key));
  return std::unique_ptr<StagedUpload>(new StagedUpload(std::move(request), std::move(id), std::move(key), std::move(writer)));
}

Result<InsertOutcome> Ingestor::Finish(std::unique_ptr<StagedUpload> upload) {
  const IngestRequest& request = upload->request_;
  if (upload->bytes_ == 0) {
    return InvalidArgument("the request body is empty; send the recording's bytes as the body", "empty_body");
  }
  std::string sha256 = upload->sha256_.FinishHex();
  if (request.idempotency_key) {
    ASSIGN_OR_RETURN(auto earlier, recordings_.FindByIdempotencyKey(request.tenant_id, *request.idempotency_key));
    if (earlier) {
      if (earlier->body_sha256 != sha256) {
        return Status(ErrorCode::kConflict, "idempotency_key_reused",
                      "this Idempotency-Key was already used for a different recording (" + earlier->id + ")");
      }
      return InsertOutcome{*earlier, true};
    }
  }
  RETURN_IF_ERROR(upload->writer_->Commit());
  // From here the object exists: whatever stops the recording from being acknowledged removes it.
  struct DeleteUnlessKept {
    BlobStore& blobs;
    std::string key;
    ~DeleteUnlessKept() {
      if (key.empty()) return;
      Status removed = blobs.Delete(key);
      if (!removed.ok()) LOG_WARN("cannot remove unacknowledged upload " << key << ": " << removed.message());
    }
  } stored{blobs_, upload->key_};
  // Decoded to the end to prove it is whole, but held nowhere: the worker decodes it again.
  ASSIGN_OR_RETURN(DecodedAudio audio, DecodeStoredAudio(blobs_, upload->key_, {.keep_samples = false}));

  Recording r;
  r.tenant_id = request.tenant_id;
  r.id = upload->id_;
  r.content_type = MediaType(request.content_type);
  r.original_bytes = static_cast<int64_t>(upload->bytes_);
  r.body_sha256 = sha256;
  r.idempotency_key = request.idempotency_key;
  r.received_at = clock_.Now();
  r.captured_at = request.captured_at.value_or(r.received_at);
  r.updated_at = r.received_at;
  r.duration_s = audio.DurationSeconds();
  r.source_path = upload->key_;

  auto outcome = recordings_.InsertRecording(r, "transcribe", max_attempts_);
  // Not acknowledged (or a concurrent upload with the same key won): the object goes.
  if (!outcome.ok() || outcome->replayed) return outcome;
  stored.key.clear();
  metrics_.CountUpload(upload->bytes_);
  LOG_INFO("recording " << r.id << " queued (" << upload->bytes_ << " bytes, " << audio.container << "/"
                        << audio.codec << ", " << audio.DurationSeconds() << " s)");
  if (on_queued_) on_queued_();
  return *outcome;
}

}  // namespace reflexio
