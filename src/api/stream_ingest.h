// StreamIngest: speech streamed over a WebSocket (GET /v1/stream), kept as uploads are.
//
// The protocol is docs/streaming.md. A start message names the stream, its format (PCM16 or
// Opus, 16 kHz mono, frames of frame_ms) and the wall time of frame 0's first sample; binary
// messages carry an 8-byte big-endian sequence number and one frame. The server cuts speech
// pieces as the listener does (audio/piece_cutter.h) and stores each through the Ingestor like
// an upload — sealed, decoded, committed with its transcription job — under an Idempotency-Key
// naming the samples it holds; then it acknowledges every frame it no longer needs. A stream
// that reconnects with the same id resumes after the last sample kept or judged silent, found
// in memory or, after a restart, from the keys of its stored pieces: nothing lost, nothing kept
// twice. While a piece is being said, a live PocketSphinx decoder (when one is free) sends
// partial transcripts; each piece's final segments follow once the worker has stored them.
//
// Threads: a stream's work (decoding, cutting, storing, live decoding, looking up finals) runs
// in order on a strand of this object's pool, never on the server's I/O threads; the I/O thread
// only hands messages over, and slows a client that is more than `stream_burst_s` of audio
// ahead of real time (to twice real time) or ahead of its strand. StreamIngest is thread-safe;
// it must outlive the HttpServer serving its sessions, and Stop() comes after the server's.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "asr/live_transcriber.h"
#include "billing/speech_meter.h"
#include "core/config.h"
#include "core/mutex.h"
#include "core/time.h"
#include "http/websocket.h"
#include "model/tenant.h"
#include "pipeline/ingest.h"
#include "storage/recording_store.h"
#include "storage/transcript_store.h"

namespace reflexio {

struct StreamIngestDeps {
  Ingestor& ingestor;
  RecordingStore& recordings;
  TranscriptStore& transcripts;
  const Config& config;
  // Refuses a stream (4402) once the plan's speech for today is used; null: no quota.
  SpeechMeter* meter = nullptr;
  // Lends decoders for partial transcripts; null: no partials.
  LiveTranscriberPool* live = nullptr;
};

struct StreamIngestStats {
  int64_t pieces_stored = 0;
  int64_t partials_sent = 0;
};

class StreamIngest {
 public:
  explicit StreamIngest(StreamIngestDeps deps);
  ~StreamIngest();

  // The session of an authenticated GET /v1/stream.
  std::shared_ptr<WebSocketSession> Open(const Tenant& tenant);
  // Drops what is queued and waits for the work running now (a piece being stored finishes or
  // leaves nothing). Call after the server has stopped.
  void Stop();
  StreamIngestStats Stats() const;

  // How a stream's pieces are keyed: this prefix, then the piece's first and end samples.
  static std::string KeyPrefix(const std::string& stream_id);

 private:
  friend class StreamSession;
  struct Entry;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reflexio
