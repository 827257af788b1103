// Ingest: turns an uploaded body, already streamed to a file, into a durable recording and a
// queued transcription job — or into a clear error with nothing left behind.
//
// Order of work: the body is decoded in full (so undecodable or truncated audio is refused
// with 415/422 before anything is kept), stored durably in the BlobStore under
// incoming/<tenant>/, and only then the
// recording and its job are committed in one transaction. An Idempotency-Key already used by
// the tenant returns the first recording (409 if the body differs). Thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/metrics.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace reflexio {

struct IngestRequest {
  std::string tenant_id;
  std::string content_type;
  std::filesystem::path body_path;  // consumed: moved into the store or deleted
  uint64_t body_bytes = 0;
  std::optional<TimePoint> captured_at;
  std::optional<std::string> idempotency_key;
};

class Ingestor {
 public:
  Ingestor(Database& db, BlobStore& blobs, const Config& config, Metrics& metrics, std::function<void()> on_queued);

  // Checked before the body is read, so a wrong type costs no upload.
  static Status CheckContentType(const std::string& content_type);
  static Status CheckIdempotencyKey(const std::string& key);

  Result<InsertOutcome> Ingest(const IngestRequest& request);

  // Where request bodies are streamed while they arrive.
  std::filesystem::path UploadDir() const { return data_dir_ / "tmp"; }

 private:
  Database& db_;
  BlobStore& blobs_;
  std::filesystem::path data_dir_;
  int max_attempts_;
  Metrics& metrics_;
  std::function<void()> on_queued_;
};

}  // namespace reflexio
