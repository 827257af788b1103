// FrameStreamer: sends a FrameSpool's streams to the server's GET /v1/stream (docs/streaming.md),
// oldest first, and lets the spool forget each frame only once the server acknowledged it.
//
// One call of StreamOldest() is one connection (a WebSocket, Boost.Beast): it starts the oldest
// stream, learns where the server wants it resumed (`ready.resume_from_seq`: frames before it are
// stored or judged quiet there, so the spool lets them go), sends the frames from there as they
// are spooled, and acknowledges through the spool what the server acknowledges. Once the stream
// has ended and every frame is sent it sends `end`; when the server has acknowledged the last
// frame (or closed normally) the stream is removed from the spool. A frame the spool dropped to
// stay within its bound cannot be sent: the connection ends and the next one starts at the next
// frame held (the server takes a later first frame from a new connection, never a gap within one).
//
// What ends a connection, and what the listener should do next:
//   kFinished     the stream is whole at the server and gone from the spool: go on at once;
//   kIdle         no stream is dated yet: wait for the framing side;
//   kInterrupted  no answer, a dropped connection, a close by the server: try again after
//                 `retry_in_s` (the RetryBackoff's; the longest for 401/403, a quota's 4402);
//   kRefused      this server does not stream (404 or 426 to the upgrade, or an https URL, which
//                 this client does not speak): cut pieces locally and upload them instead.
// Thread-compatible: the listener's streaming thread owns it; `give_up` may be called often.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/time.h"
#include "edge/backoff.h"
#include "edge/frame_spool.h"

namespace reflexio {

struct StreamerOptions {
  std::string server_url;  // http://host[:port][/prefix]
  std::string api_key;
  double backoff_base_s = 1;
  double backoff_max_s = 300;
  double timeout_s = 30;  // to connect and upgrade; and the longest the server may say nothing
  std::function<double()> random01;  // the backoff's jitter; random unless a test pins it
};

struct StreamOutcome {
  enum Kind { kFinished, kIdle, kInterrupted, kRefused } kind = kIdle;
  double retry_in_s = 0;
  std::string error;  // why it was interrupted or refused
  int64_t frames_sent = 0;
};

class FrameStreamer {
 public:
  FrameStreamer(FrameSpool& spool, StreamerOptions options);
  // Streams the oldest stream over one connection. `give_up` says when the listener is stopping
  // and will wait no longer: the connection is then closed, what is unacknowledged kept.
  StreamOutcome StreamOldest(const std::function<bool()>& give_up);
  // Kept up to date during a connection, for the thread that calls StreamOldest (from `give_up`).
  std::optional<TimePoint> last_acknowledged() const { return last_acknowledged_; }
  int64_t pieces_stored() const { return pieces_stored_; }  // the server's `stored` messages, in all

 private:
  struct Connection;
  StreamOutcome Interrupted(std::string error, std::optional<double> asked_s = std::nullopt);

  FrameSpool& spool_;
  StreamerOptions options_;
  RetryBackoff backoff_;
  std::optional<TimePoint> last_acknowledged_;
  int64_t pieces_stored_ = 0;
};

}  // namespace reflexio
