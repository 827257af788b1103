// Spool: the listener's pieces of speech waiting for the server, on local disk, sealed.
//
// A piece is one file, <dir>/<piece id>.piece: AES-256-GCM frames (crypto/blob_cipher.h) under the
// listener's own key, bound to the piece id, holding a JSON header line (capture time of the
// first sample, content type) and the audio. Nothing of it is readable on disk without the key.
// An id is a sequence number (zero-padded, so names sort as pieces were added) and a UUID: the
// oldest piece comes first, and the id is the upload's Idempotency-Key. A piece is written to a temporary file, synced and renamed into place, so a
// crash leaves either the whole piece or nothing (stray temporary files are removed on Open).
//
// The spool is bounded: when adding a piece would pass `max_bytes`, the oldest pieces are dropped
// — counted, and logged as an error, because that is audio lost — until it fits. A piece the
// server will never take (bad audio) is moved to <dir>/rejected/, kept sealed for a person to
// look at, never deleted here.
//
// Thread-safe: the capture side adds while the uploader reads and removes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "core/time.h"

namespace reflexio {

struct SpooledPiece {
  std::string id;  // also the upload's Idempotency-Key
  TimePoint captured_at{};
  std::string content_type;
  std::string audio;
};

struct SpoolStats {
  int64_t pieces = 0;
  uint64_t bytes = 0;    // sealed, on disk
  int64_t dropped = 0;   // oldest pieces dropped to stay within the bound, since Open
  int64_t rejected = 0;  // pieces the server refused for good, kept in rejected/
};

class Spool {
 public:
  // `key`: 32 bytes, the listener's own (edge/listener_key.h).
  static Result<std::unique_ptr<Spool>> Open(const std::filesystem::path& dir, std::string key, uint64_t max_bytes);

  // Seals and stores a piece; answers its id.
  Result<std::string> Add(TimePoint captured_at, const std::string& content_type, std::string_view audio);
  std::vector<std::string> Waiting() const;  // ids, oldest first
  Result<SpooledPiece> Read(const std::string& id) const;
  Status Remove(const std::string& id);  // after the server's 202
  Status Reject(const std::string& id);  // the server will never take it
  SpoolStats Stats() const;

 private:
  Spool(std::filesystem::path dir, std::string key, uint64_t max_bytes)
      : dir_(std::move(dir)), key_(std::move(key)), max_bytes_(max_bytes) {}
  Status DropOldestFor(uint64_t incoming) REQUIRES(mutex_);
  std::filesystem::path PathOf(const std::string& id) const;

  const std::filesystem::path dir_;
  const std::string key_;
  const uint64_t max_bytes_;
  mutable Mutex mutex_;
  std::map<std::string, uint64_t> sizes_ GUARDED_BY(mutex_);  // piece id → sealed bytes, oldest first
  uint64_t bytes_ GUARDED_BY(mutex_) = 0;
  int64_t dropped_ GUARDED_BY(mutex_) = 0;
  int64_t rejected_ GUARDED_BY(mutex_) = 0;
  uint64_t next_sequence_ GUARDED_BY(mutex_) = 1;
};

}  // namespace reflexio
