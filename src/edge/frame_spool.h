// FrameSpool: a streaming listener's audio frames (Opus packets of 20 ms) waiting for the server's
// acknowledgement, on local disk, sealed — the `listen --stream` counterpart of Spool.
//
// Audio is kept as streams: a stream is an unbroken run of frames numbered from 0, dated by the
// capture time of its frame 0 — what GET /v1/stream carries (docs/streaming.md). A break in the
// capture clock (the input opened again, audio lost to an overrun) begins a new stream. A
// stream's id is a sequence number (so names sort as streams began) and a UUID: unique across
// restarts and devices, and the server's resume key.
//
// Frames are written in segments of `frames_per_segment`: <dir>/<stream id>/<first seq>.frames,
// AES-256-GCM frames (crypto/blob_cipher.h) under the listener's own key, bound to stream and
// segment, holding a JSON header line (capture time of frame 0, first seq, count) and the
// packets. Each is written to a temporary file, synced and renamed, so a crash loses at most the
// frames of the segment being filled. Frames the server acknowledged are removed (a segment once
// all of it is acknowledged); a stream the server has closed is removed whole.
//
// Bounded: when a segment would pass `max_bytes`, the oldest segments go first — counted and
// logged as audio lost; a reader asking for a dropped frame gets the next one held.
//
// A stream is offered to readers once it is dated: its first segment is sealed (by then the
// capture clock's estimate of its start has settled; Redate may tighten it until then) or it has
// ended. Thread-safe: the framing thread appends while the streaming thread reads and acknowledges.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "core/time.h"

namespace reflexio {

struct SpooledStream {
  std::string id;
  TimePoint captured_at{};  // of frame 0
  bool ended = false;       // no frame will be added
  uint64_t end_seq = 0;     // one past the last frame added
};

struct SpooledFrame {
  uint64_t seq = 0;
  std::string packet;
};

struct FrameSpoolStats {
  int64_t streams = 0;
  int64_t frames = 0;          // held, sealed or not
  uint64_t bytes = 0;          // sealed, on disk
  int64_t frames_dropped = 0;  // to stay within the bound, since Open
};

class FrameSpool {
 public:
  // `key`: 32 bytes, the listener's own. Streams found on disk are ended: frames go on in new ones.
  static Result<std::unique_ptr<FrameSpool>> Open(const std::filesystem::path& dir, std::string key,
                                                  uint64_t max_bytes, int frames_per_segment = 50);
  ~FrameSpool();

  // The framing side. BeginStream ends the current stream (its last frames sealed) and starts one.
  Status BeginStream(TimePoint captured_at);
  Status Redate(TimePoint captured_at);  // the current stream, until its first segment is sealed
  Status Append(std::string packet);     // the current stream's next frame
  Status EndStream();                    // seals what is held: nothing is lost on a clean stop

  // The streaming side.
  std::optional<SpooledStream> Oldest() const;  // the oldest dated stream
  std::optional<SpooledStream> Find(const std::string& id) const;
  // Up to `max` frames of stream `id` from `from_seq` on (the first held at or after it).
  Result<std::vector<SpooledFrame>> Read(const std::string& id, uint64_t from_seq, size_t max) const;
  Status AcknowledgeThrough(const std::string& id, uint64_t seq);  // the server no longer needs these
  Status Remove(const std::string& id);                            // an ended stream, all of it
  FrameSpoolStats Stats() const;

 private:
  struct Stream;
  FrameSpool(std::filesystem::path dir, std::string key, uint64_t max_bytes, int frames_per_segment);
  Status SealTail(Stream& stream) REQUIRES(mutex_);
  Status DropOldestFor(uint64_t incoming) REQUIRES(mutex_);
  Status RemoveSegments(Stream& stream, uint64_t below_seq) REQUIRES(mutex_);
  Result<std::vector<SpooledFrame>> ReadSegment(const std::string& id, uint64_t first_seq,
                                                TimePoint* captured_at) const;
  std::filesystem::path SegmentPath(const std::string& id, uint64_t first_seq) const;
  static SpooledStream Describe(const Stream& stream);

  const std::filesystem::path dir_;
  const std::string key_;
  const uint64_t max_bytes_;
  const size_t frames_per_segment_;
  mutable Mutex mutex_;
  std::map<std::string, Stream> streams_ GUARDED_BY(mutex_);  // by id: oldest first
  std::string current_ GUARDED_BY(mutex_);                    // the stream being appended to
  uint64_t bytes_ GUARDED_BY(mutex_) = 0;
  int64_t frames_dropped_ GUARDED_BY(mutex_) = 0;
  uint64_t next_sequence_ GUARDED_BY(mutex_) = 1;
};

}  // namespace reflexio
