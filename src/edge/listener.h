// Listener: what `reflexio listen` runs — capture, cut, spool, upload — on three threads that
// never wait on one another's slow work.
//
//   capture  AudioInput::Read → a lock-free ring (boost::lockfree::spsc_queue, 20 s of audio). It
//            touches neither disk nor network; when the ring is full the audio is an overrun —
//            counted and logged, never waited for. When the input goes away (a device unplugged,
//            the sound server restarted) it opens it again every 2 s until it is back.
//   cutting  ring → PieceCutter → Ogg/Opus → Spool::Add (the disk), then wakes the uploader. A
//            piece's capture time is the capture clock's: the capture thread notes the wall time
//            of the next sample whenever the stream's clock breaks (an input opened, audio lost
//            to an overrun), and a piece is dated from the last such note inside it.
//   upload   PieceUploader rounds: at once for a new piece, else after the backoff the last round
//            asked for; at least every second it reports its status to `on_status`.
//
// With `--stream` (ListenerOptions::streaming) the middle and last threads change:
//   framing    ring → 20 ms Opus frames → FrameSpool (sealed, on disk); a break in the capture
//              clock begins a new stream, dated from the clock's note.
//   streaming  FrameStreamer: the spooled streams go to GET /v1/stream, oldest first, frames
//              forgotten once the server acknowledged them. When the server does not stream
//              (404/426, or an https URL) this thread cuts the spooled frames into pieces itself
//              and uploads them as above — from the frames, so nothing captured before is lost.
//
// Stop() ends capture, turns the speech still pending into a piece (or seals the last frames) and
// gives the uploader one last round (the streamer up to kStopGrace_s to finish its streams).
// CurrentStatus() is thread-safe; Start and Stop are called by one owner thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "edge/audio_input.h"
#include "audio/piece_cutter.h"
#include "edge/frame_spool.h"
#include "edge/frame_streamer.h"
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
  std::string mode = "pieces";  // or "stream"; "pieces from frames" when the server does not stream
  int64_t frames_waiting = 0;   // streaming: spooled, not yet acknowledged
  int64_t frames_dropped = 0;   // by the frame spool's bound
  std::optional<TimePoint> last_upload;
  std::string last_error;
};

using InputOpener = std::function<Result<std::unique_ptr<AudioInput>>()>;

// `listen --stream`: both set, or neither.
struct ListenerStreaming {
  FrameSpool* frames = nullptr;
  FrameStreamer* streamer = nullptr;
};

struct ListenerOptions {
  CutterOptions cutter;
  int opus_bitrate = 16000;
  ListenerStreaming streaming;
  std::function<void(const ListenerStatus&)> on_status;  // from the upload thread, about every second
};

class Listener {
 public:
  Listener(InputOpener open_input, Spool& spool, PieceUploader& uploader, ListenerOptions options);
  ~Listener();
  void Start();
  void Stop();
  ListenerStatus CurrentStatus() const;

  static constexpr double kStatusEvery_s = 1.0;
  static constexpr double kStopGrace_s = 10.0;  // streaming: how long Stop waits for the server

 private:
  struct Ring;
  void Capture();
  // Reads from `input` until it fails or the listener stops; false when it failed.
  bool CaptureFrom(AudioInput& input);
  size_t NoteClock(uint64_t sample, TimePoint at);  // answers the note's index
  std::optional<std::pair<uint64_t, TimePoint>> ClockNote(size_t index) const;
  size_t TakeSamples(int16_t* into, size_t max);  // from the ring; the one consumer's
  void RedateClock(size_t note, TimePoint stream_started);
  TimePoint WallTimeOf(uint64_t first, uint64_t end) const;  // of a piece's first sample
  void CutPieces();
  void Upload();
  Status SpoolPiece(std::span<const float> samples, TimePoint captured_at);
  UploadRound UploadRoundNoted();  // one round of the uploader, its outcome kept for the status
  void NotifyStatus();
  // listener_frames.cpp: the threads of `--stream`.
  struct FrameCut;
  void FrameAudio();
  void StreamFrames();
  bool StopDue() const;
  void CutAndUploadFrames();
  void CutFrames(FrameCut& cut);
  void StorePieces(FrameCut& cut, const Result<std::vector<SpeechPiece>>& pieces);

  InputOpener open_input_;
  Spool& spool_;
  PieceUploader& uploader_;
  ListenerOptions options_;
  std::unique_ptr<Ring> ring_;
  std::atomic<bool> stopping_{false}, capture_done_{false}, capturing_{false};
  std::atomic<int64_t> overruns_{0}, pieces_made_{0};
  uint64_t pushed_ = 0;  // samples into the ring since the start; the capture thread's
  std::thread capture_, cutting_, upload_;

  mutable Mutex mutex_;
  std::condition_variable_any wake_;
  bool new_piece_ GUARDED_BY(mutex_) = false;
  bool upload_stopping_ GUARDED_BY(mutex_) = false;
  std::optional<std::chrono::steady_clock::time_point> stop_by_ GUARDED_BY(mutex_);
  std::string mode_ GUARDED_BY(mutex_) = "pieces";
  std::string last_error_ GUARDED_BY(mutex_);
  std::string input_described_ GUARDED_BY(mutex_);
  std::vector<std::pair<uint64_t, TimePoint>> clock_ GUARDED_BY(mutex_);  // ring sample → its wall time
  std::optional<TimePoint> last_upload_ GUARDED_BY(mutex_);
};

}  // namespace reflexio
