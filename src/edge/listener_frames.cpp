// The threads of `listen --stream` (the contract is in listener.h): framing the captured audio
// into a FrameSpool, streaming it, and — when the server does not stream — cutting the spooled
// frames into pieces and uploading those.
#include <chrono>
#include <cmath>
#include <thread>

#include "audio/opus_frames.h"
#include "audio/pcm16.h"
#include "core/check.h"
#include "core/log.h"
#include "edge/listener.h"

namespace reflexio {

namespace {
constexpr size_t kStreamFrame = 320;  // 20 ms at 16 kHz: what a stream's frames hold
constexpr size_t kFramesPerCut = 50;
constexpr auto kIdlePoll = std::chrono::milliseconds(50);
constexpr auto kInputGone = std::chrono::seconds(2);  // an input delivers every 30 ms, quiet or not
}  // namespace

std::optional<std::pair<uint64_t, TimePoint>> Listener::ClockNote(size_t index) const {
  MutexLock lock(mutex_);
  if (index >= clock_.size()) return std::nullopt;
  return clock_[index];
}

// Ring → 20 ms frames → Opus → the frame spool. A clock note begins a new stream at its sample;
// a frame cut short by it is filled with silence, so no captured sample is left out. An input
// silent for kInputGone ends its stream, so the server is not kept waiting on it.
void Listener::FrameAudio() {
  FrameSpool& spool = *options_.streaming.frames;
  auto encoder = OpusFrameEncoder::Create(options_.opus_bitrate);
  REFLEXIO_CHECK(encoder.ok(), "libopus makes an encoder of 16 kHz mono");
  std::vector<int16_t> taken(kStreamFrame);
  std::vector<float> frame;
  uint64_t position = 0, stream_first = 0;  // ring samples taken; where the current stream began
  size_t next_note = 0;
  bool in_stream = false;
  auto last_sample = std::chrono::steady_clock::now();
  auto spooled = [](const Status& status) {
    if (!status.ok()) LOG_ERROR("frames of speech could not be spooled: " << status.message());
  };
  auto flush = [&] {
    if (frame.empty()) return;
    frame.resize(kStreamFrame, 0.0f);
    auto packet = (*encoder)->Encode(frame);
    frame.clear();
    if (!packet.ok()) {
      LOG_ERROR("a frame could not be encoded: " << packet.status().message());
      return;
    }
    spooled(spool.Append(std::move(*packet)));
    spooled(spool.Redate(WallTimeOf(stream_first, stream_first + 1)));  // the estimate tightens
  };
  while (true) {
    bool done = capture_done_;  // read before draining: whatever it pushed is in the ring now
    auto note = ClockNote(next_note);
    if (note && note->first <= position) {
      flush();
      spooled(spool.BeginStream(note->second));
      in_stream = true;
      stream_first = position;
      ++next_note;
      continue;
    }
    size_t want = kStreamFrame - frame.size();
    if (note) want = std::min<size_t>(want, note->first - position);
    size_t n = TakeSamples(taken.data(), want);
    if (n == 0) {
      if (done) break;
      if (in_stream && std::chrono::steady_clock::now() - last_sample > kInputGone) {
        flush();  // no audio for so long: the input is gone, and its stream is over
        spooled(spool.EndStream());
        in_stream = false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    last_sample = std::chrono::steady_clock::now();
    if (!in_stream) {  // audio again with no break noted in the clock: dated from the last note
      spooled(spool.BeginStream(WallTimeOf(position, position + 1)));
      in_stream = true;
      stream_first = position;
    }
    position += n;
    for (size_t i = 0; i < n; ++i) frame.push_back(FromPcm16(taken[i]));
    if (frame.size() == kStreamFrame) flush();
  }
  flush();
  spooled(spool.EndStream());
}

bool Listener::StopDue() const {
  MutexLock lock(mutex_);
  return stop_by_ && std::chrono::steady_clock::now() >= *stop_by_;
}

void Listener::StreamFrames() {
  FrameStreamer& streamer = *options_.streaming.streamer;
  auto reported = std::chrono::steady_clock::now();
  auto take_progress = [&] {
    pieces_made_ = streamer.pieces_stored();
    MutexLock lock(mutex_);
    if (streamer.last_acknowledged()) last_upload_ = streamer.last_acknowledged();
  };
  auto between_frames = [&] {  // the streamer asks about every 20 ms
    if (std::chrono::steady_clock::now() - reported >= std::chrono::milliseconds(1000)) {
      reported = std::chrono::steady_clock::now();
      take_progress();
      NotifyStatus();
    }
    return StopDue();
  };
  while (true) {
    StreamOutcome outcome = streamer.StreamOldest(between_frames);
    take_progress();
    bool stopping = false;
    {
      MutexLock lock(mutex_);
      stopping = upload_stopping_;
      if (outcome.kind == StreamOutcome::kFinished) last_error_.clear();
      if (!outcome.error.empty()) last_error_ = outcome.error;
      if (outcome.kind == StreamOutcome::kRefused) mode_ = "pieces from frames";
    }
    if (outcome.kind == StreamOutcome::kRefused) {
      LOG_WARN("the server does not take streams (" << outcome.error
                                                    << "): speech is cut into pieces here and uploaded instead");
      return CutAndUploadFrames();
    }
    if (outcome.kind == StreamOutcome::kInterrupted) {
      LOG_WARN("streaming stopped (" << outcome.error << "); again in " << outcome.retry_in_s << " s");
    }
    NotifyStatus();
    // Stopping: finished streams make way for the next until none is left or the grace is over;
    // what the server could not take now stays spooled for the next start.
    if (stopping && (outcome.kind != StreamOutcome::kFinished || StopDue())) return;
    double wait_s = outcome.kind == StreamOutcome::kIdle          ? 0.05
                    : outcome.kind == StreamOutcome::kInterrupted ? outcome.retry_in_s
                                                                  : 0;
    auto until = DeadlineAfter(wait_s);
    MutexLock lock(mutex_);
    while (!upload_stopping_ && lock.WaitUntil(wake_, until)) {
    }
  }
}

// Where the cutting of one spooled stream has got to.
struct Listener::FrameCut {
  std::string stream_id;
  TimePoint captured_at{};
  std::unique_ptr<OpusFrameDecoder> decoder;
  std::unique_ptr<PieceCutter> cutter;
  uint64_t first_seq = 0;  // the cutter's first frame
  uint64_t next_seq = 0;
};

void Listener::CutAndUploadFrames() {
  FrameCut cut;
  auto next_try = std::chrono::steady_clock::now(), reported = next_try;
  while (true) {
    bool stopping = false;
    {
      MutexLock lock(mutex_);
      stopping = upload_stopping_;
    }
    CutFrames(cut);
    auto now = std::chrono::steady_clock::now();
    if (spool_.Stats().pieces > 0 && (stopping || now >= next_try)) {
      next_try = DeadlineAfter(UploadRoundNoted().retry_in_s.value_or(0));
    }
    if (stopping || now - reported >= std::chrono::milliseconds(1000)) {
      reported = now;
      NotifyStatus();
    }
    if (stopping) return;
    std::this_thread::sleep_for(kIdlePoll);
  }
}

// Cuts what the spool holds of its streams, oldest first, as the listener without --stream would
// have; frames leave the spool as the cutter has decided them (kept in a piece, or quiet).
void Listener::CutFrames(FrameCut& cut) {
  FrameSpool& spool = *options_.streaming.frames;
  while (true) {
    if (cut.stream_id.empty()) {
      auto oldest = spool.Oldest();
      if (!oldest) return;
      cut = FrameCut{oldest->id, oldest->captured_at};
    }
    auto frames = spool.Read(cut.stream_id, cut.next_seq, kFramesPerCut);
    if (!frames.ok()) {
      LOG_ERROR("spooled frames cannot be read: " << frames.status().message());
      return;
    }
    if (!frames->empty() && cut.cutter && frames->front().seq != cut.next_seq) {
      StorePieces(cut, cut.cutter->Finish());  // frames were dropped: what follows is cut afresh
      cut.cutter.reset();
    }
    for (const SpooledFrame& frame : *frames) {
      if (!cut.cutter) {
        cut.cutter = std::make_unique<PieceCutter>(options_.cutter);
        cut.decoder = std::move(OpusFrameDecoder::Create()).value();
        cut.first_seq = frame.seq;
      }
      auto samples = cut.decoder->Decode(frame.packet, static_cast<int>(kStreamFrame));
      if (!samples.ok()) {
        LOG_ERROR("spooled frame " << frame.seq << " cannot be decoded: " << samples.status().message());
        samples = std::vector<float>(kStreamFrame, 0.0f);
      }
      cut.next_seq = frame.seq + 1;
      StorePieces(cut, cut.cutter->Push(*samples));
    }
    if (cut.cutter) {
      auto decided = cut.first_seq + static_cast<uint64_t>(cut.cutter->decided_s() * 50);
      if (decided > 0) (void)spool.AcknowledgeThrough(cut.stream_id, decided - 1);
    }
    if (!frames->empty()) continue;
    auto stream = spool.Find(cut.stream_id);
    if (stream && !stream->ended) return;  // more is coming
    if (cut.cutter) StorePieces(cut, cut.cutter->Finish());
    if (stream) {
      Status removed = spool.Remove(cut.stream_id);
      if (!removed.ok()) LOG_ERROR("a cut stream stays in the spool: " << removed.message());
    }
    cut = FrameCut{};
  }
}

void Listener::StorePieces(FrameCut& cut, const Result<std::vector<SpeechPiece>>& pieces) {
  if (!pieces.ok()) {
    LOG_ERROR("cutting speech failed: " << pieces.status().message());
    return;
  }
  for (const SpeechPiece& piece : *pieces) {
    double offset_s = static_cast<double>(cut.first_seq * kStreamFrame) / 16000 + piece.start_s;
    Status stored = SpoolPiece(piece.samples, AddSeconds(cut.captured_at, offset_s));
    if (!stored.ok()) LOG_ERROR("a piece of speech could not be spooled: " << stored.message());
  }
}

}  // namespace reflexio
