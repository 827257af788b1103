// Listener: what `reflexio listen` runs — capture, cut, spool, upload — on three threads that
// never wait on one another's slow work.
//
//   capture  AudioInput::Read → a lock-free ring (boost::lockfree::spsc_queue, 20 s of audio). It
//            touches neither disk nor network; when the ring is full the audio is an overrun —
//            counted and logged, never waited for.
//   cutting  ring → PieceCutter → Ogg/Opus → Spool::Add (the disk), then wakes the uploader. A
//            piece's capture time is the capture clock's: the input's first-sample time plus the
//            piece's offset in the stream.
//   upload   PieceUploader rounds: at once for a new piece, else after the backoff the last round
//            asked for; at least every second it reports its status to `on_status`.
//
// Stop() ends capture, turns the speech still pending into a piece and gives the uploader one
// last round. CurrentStatus() is thread-safe; Start and Stop are called by one owner thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/mutex.h"
#include "edge/audio_input.h"
#include "edge/piece_cutter.h"
#include "edge/spool.h"
#include "edge/uploader.h"

namespace reflexio {

struct ListenerStatus {
  bool capturing = false;
  std::string input;
  int64_t pieces_made = 0;
  int64_t pieces_waiting = 0;
  int64_t pieces_dropped = 0;  // by the spool's bound
  int64_t pieces_rejected = 0;
  int64_t overruns = 0;        // audio lost because the ring was full
  std::optional<TimePoint> last_upload;
  std::string last_error;
};

struct ListenerOptions {
  CutterOptions cutter;
  int opus_bitrate = 16000;
  std::function<void(const ListenerStatus&)> on_status;  // from the upload thread, about every second
};

class Listener {
 public:
  Listener(std::unique_ptr<AudioInput> input, Spool& spool, PieceUploader& uploader, ListenerOptions options);
  ~Listener();
  void Start();
  void Stop();
  ListenerStatus CurrentStatus() const;

 private:
  struct Ring;
  void Capture();
  void CutPieces();
  void Upload();
  Status StorePiece(const SpeechPiece& piece);

  std::unique_ptr<AudioInput> input_;
  Spool& spool_;
  PieceUploader& uploader_;
  ListenerOptions options_;
  std::unique_ptr<Ring> ring_;
  std::atomic<bool> stopping_{false}, capture_done_{false}, capturing_{false};
  std::atomic<int64_t> overruns_{0}, pieces_made_{0};
  std::thread capture_, cutting_, upload_;

  mutable Mutex mutex_;
  std::condition_variable_any wake_;
  bool new_piece_ GUARDED_BY(mutex_) = false;
  bool upload_stopping_ GUARDED_BY(mutex_) = false;
  std::string last_error_ GUARDED_BY(mutex_);
  std::optional<TimePoint> last_upload_ GUARDED_BY(mutex_);
};

}  // namespace reflexio
