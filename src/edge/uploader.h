// PieceUploader: sends the spool's pieces to the server, oldest first, and removes each only after
// the server's 202.
//
// Each piece goes as POST /v1/recordings with its audio, `X-Captured-At` (the capture time of its
// first sample, from the spool — never the upload time) and `Idempotency-Key` (its id), so a piece
// sent again after a lost answer is stored once. What an answer means:
//   202 (or 200 for a key already taken)  stored: the piece leaves the spool;
//   400, 413, 415, 422                    the server will never take it: moved to the spool's
//                                         rejected/ (kept, and counted), the next piece goes on;
//   402                                   over the day's free minutes: everything waits until the
//                                         reset time the server names;
//   401, 403                              the key is refused: waits the longest backoff;
//   anything else, or no answer           waits an exponential backoff with jitter
//                                         (base · 2^(failures−1), at most max, times 0.5–1), or the
//                                         server's Retry-After.
// SendWaiting() is one round: it stops at the first piece that must wait and says for how long.
// Thread-compatible: one uploader thread calls it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/http_client.h"
#include "core/time.h"
#include "edge/backoff.h"
#include "edge/spool.h"

namespace reflexio {

struct UploaderOptions {
  std::string server_url;  // http://host:port, no trailing slash needed
  std::string api_key;
  double backoff_base_s = 1;
  double backoff_max_s = 300;
  double timeout_s = 60;
  // A number in [0, 1) for the jitter; a random one unless a test pins it.
  std::function<double()> random01;
};

struct UploadRound {
  int64_t sent = 0;
  int64_t rejected = 0;
  std::optional<double> retry_in_s;  // set when a piece is waiting for a later try
  std::string last_error;            // why it waits ("" when everything went)
};

class PieceUploader {
 public:
  PieceUploader(Spool& spool, HttpClient& http, UploaderOptions options, const Clock& clock = SystemClock::Instance());
  UploadRound SendWaiting();
  std::optional<TimePoint> last_upload() const { return last_upload_; }

 private:
  enum class Verdict { kStored, kRejected, kWait };
  Verdict Send(const SpooledPiece& piece, UploadRound& round);

  Spool& spool_;
  HttpClient& http_;
  UploaderOptions options_;
  const Clock& clock_;
  RetryBackoff backoff_;
  std::optional<TimePoint> last_upload_;
};

}  // namespace reflexio
