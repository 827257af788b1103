// Ingest: turns an uploaded body into a durable recording and a queued transcription job — or
// into a clear error with nothing left behind.
//
// Order of work: Begin checks what the headers say and opens incoming/<tenant>/<id>.upload in
// the BlobStore; the body is written there as it arrives (the server's store seals it frame by
// frame, so the upload never exists in the clear) and hashed on the way. Finish commits it
// durably, decodes it in full from the store (undecodable or truncated audio is refused with
// 415/422 and the object deleted), and only then commits the recording and its job in one
// transaction. An Idempotency-Key already used by the tenant returns the first recording (409
// if the body differs). The Ingestor is thread-safe; a StagedUpload belongs to one request.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/metrics.h"
#include "core/time.h"
#include "crypto/digest.h"
#include "storage/blob_store.h"
#include "storage/recording_store.h"

namespace reflexio {

struct IngestRequest {
  std::string tenant_id;
  std::string content_type;
  std::optional<TimePoint> captured_at;
  std::optional<std::string> idempotency_key;
};

// An upload while its body arrives: not yet a recording. Destroyed before Finish, it leaves
// nothing in the store.
class StagedUpload {
 public:
  Status Write(std::string_view bytes);
  uint64_t bytes() const { return bytes_; }

 private:
  friend class Ingestor;
  StagedUpload(IngestRequest request, std::string id, std::string key, std::unique_ptr<BlobWriter> writer)
      : request_(std::move(request)), id_(std::move(id)), key_(std::move(key)), writer_(std::move(writer)) {}
  IngestRequest request_;
  std::string id_, key_;
  std::unique_ptr<BlobWriter> writer_;
  Sha256Stream sha256_;
  uint64_t bytes_ = 0;
};

class Ingestor {
 public:
  // `clock` stamps each recording's received_at.
  Ingestor(RecordingStore& recordings, BlobStore& blobs, const Config& config, Metrics& metrics,
           std::function<void()> on_queued, const Clock& clock = SystemClock::Instance());

  // Checked before the body is read, so a wrong type costs no upload.
  static Status CheckContentType(const std::string& content_type);
  static Status CheckIdempotencyKey(const std::string& key);

  // Checks the request's headers and opens the object its body will stream into.
  Result<std::unique_ptr<StagedUpload>> Begin(IngestRequest request);
  // The whole body has arrived: store it durably, check it decodes, commit the recording.
  Result<InsertOutcome> Finish(std::unique_ptr<StagedUpload> upload);

 private:
  RecordingStore& recordings_;
  BlobStore& blobs_;
  int max_attempts_;
  Metrics& metrics_;
  std::function<void()> on_queued_;
  const Clock& clock_;
};

}  // namespace reflexio
