#include "edge/listener.h"

#include <boost/lockfree/spsc_queue.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <vector>

#include "audio/opus_encoder.h"
#include "audio/pcm16.h"
#include "core/check.h"
#include "core/log.h"

namespace reflexio {

namespace {
constexpr size_t kFrame = 480;                 // 30 ms at 16 kHz
constexpr size_t kRingSamples = 16000 * 20;    // 20 s between the device and the cutter
}  // namespace

struct Listener::Ring {
  boost::lockfree::spsc_queue<int16_t, boost::lockfree::capacity<kRingSamples>> samples;
};

Listener::Listener(InputOpener open_input, Spool& spool, PieceUploader& uploader, ListenerOptions options)
    : open_input_(std::move(open_input)), spool_(spool), uploader_(uploader), options_(std::move(options)),
      ring_(std::make_unique<Ring>()) {}

Listener::~Listener() { Stop(); }

void Listener::Start() {
  bool streaming = options_.streaming.frames != nullptr;
  REFLEXIO_CHECK(streaming == (options_.streaming.streamer != nullptr), "streaming needs a frame spool and a streamer");
  if (streaming) {
    MutexLock lock(mutex_);
    mode_ = "stream";
  }
  capture_ = std::thread([this] { Capture(); });
  cutting_ = std::thread([this, streaming] { streaming ? FrameAudio() : CutPieces(); });
  upload_ = std::thread([this, streaming] { streaming ? StreamFrames() : Upload(); });
}

void Listener::Stop() {
  stopping_ = true;
  if (capture_.joinable()) capture_.join();
  if (cutting_.joinable()) cutting_.join();  // it drains the ring and stores the last piece or frames
  {
    MutexLock lock(mutex_);
    upload_stopping_ = true;
    stop_by_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(kStopGrace_s * 1000));
  }
  wake_.notify_all();
  if (upload_.joinable()) upload_.join();
}

void Listener::Capture() {
  bool reported = false;  // the current outage, once
  while (!stopping_) {
    auto input = open_input_();
    if (input.ok()) {
      {
        MutexLock lock(mutex_);
        input_described_ = (*input)->Describe();
      }
      if (reported) LOG_INFO("capturing again from " << (*input)->Describe());
      reported = false;
      if (CaptureFrom(**input)) break;
      continue;  // it failed: open it again at once, then every 2 s
    }
    if (!reported) LOG_ERROR("no audio input (" << input.status().message() << "); trying again every 2 s");
    reported = true;
    {
      MutexLock lock(mutex_);
      last_error_ = input.status().message();
    }
    for (int i = 0; i < 20 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  capture_done_ = true;
}

bool Listener::CaptureFrom(AudioInput& input) {
  std::vector<int16_t> frame(kFrame);
  uint64_t read = 0;  // samples of this stream
  size_t stream_note = 0;
  TimePoint stream_started{};
  while (!stopping_) {
    Status status = input.Read(frame);
    if (!status.ok()) {
      capturing_ = false;
      LOG_ERROR("capture from " << input.Describe() << " stopped: " << status.message());
      MutexLock lock(mutex_);
      last_error_ = status.message();
      return false;
    }
    if (read == 0) {
      stream_note = NoteClock(pushed_, input.first_sample_at());
    } else if (input.first_sample_at() != stream_started) {
      RedateClock(stream_note, input.first_sample_at());  // the estimate got tighter
    }
    stream_started = input.first_sample_at();
    read += frame.size();
    capturing_ = true;
    size_t pushed = ring_->samples.push(frame.data(), frame.size());
    pushed_ += pushed;
    if (pushed < frame.size()) {
      // The lost audio breaks the stream's clock: date what comes next from the device's count.
      NoteClock(pushed_, AddSeconds(input.first_sample_at(), static_cast<double>(read) / 16000));
      int64_t overruns = ++overruns_;
      if (overruns == 1 || overruns % 100 == 0) {
        LOG_WARN("the listener fell behind the microphone: " << overruns << " frame(s) of audio lost so far");
      }
    }
  }
  capturing_ = false;
  return true;
}

size_t Listener::TakeSamples(int16_t* into, size_t max) { return ring_->samples.pop(into, max); }

size_t Listener::NoteClock(uint64_t sample, TimePoint at) {
  MutexLock lock(mutex_);
  clock_.emplace_back(sample, at);
  return clock_.size() - 1;
}

void Listener::RedateClock(size_t note, TimePoint stream_started) {
  MutexLock lock(mutex_);
  // Only the stream's own first note moves; notes after an overrun were dated from it then.
  if (note < clock_.size()) clock_[note].second = stream_started;
}

TimePoint Listener::WallTimeOf(uint64_t first, uint64_t end) const {
  MutexLock lock(mutex_);
  REFLEXIO_CHECK(!clock_.empty() && end > first, "a piece was cut before any sample was dated");
  // The latest note within the piece dates it: a piece whose pre-roll reaches back across a break
  // in the stream (the input opened again) is dated by the clock its speech was captured on.
  auto after = std::upper_bound(clock_.begin(), clock_.end(), end - 1,
                                [](uint64_t s, const auto& note) { return s < note.first; });
  const auto& note = after == clock_.begin() ? clock_.front() : *std::prev(after);
  return AddSeconds(note.second, (static_cast<double>(first) - static_cast<double>(note.first)) / 16000);
}

void Listener::CutPieces() {
  PieceCutter cutter(options_.cutter);
  std::vector<int16_t> taken(kFrame * 16);
  std::vector<float> samples;
  auto store = [this](const Result<std::vector<SpeechPiece>>& pieces) {
    if (!pieces.ok()) {
      LOG_ERROR("cutting speech failed: " << pieces.status().message());
      return;
    }
    for (const SpeechPiece& piece : *pieces) {
      auto first = static_cast<uint64_t>(std::llround(piece.start_s * 16000));
      Status stored = SpoolPiece(piece.samples, WallTimeOf(first, first + piece.samples.size()));
      if (!stored.ok()) LOG_ERROR("a piece of speech could not be spooled: " << stored.message());
    }
  };
  while (true) {
    bool done = capture_done_;  // read before draining: whatever it pushed is in the ring now
    size_t n = ring_->samples.pop(taken.data(), taken.size());
    if (n == 0) {
      if (done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    samples.resize(n);
    for (size_t i = 0; i < n; ++i) samples[i] = FromPcm16(taken[i]);
    store(cutter.Push(samples));
  }
  store(cutter.Finish());
}

Status Listener::SpoolPiece(std::span<const float> samples, TimePoint captured_at) {
  ASSIGN_OR_RETURN(std::string audio, EncodeOggOpus(samples, options_.opus_bitrate));
  ASSIGN_OR_RETURN(std::string id, spool_.Add(captured_at, "audio/ogg", audio));
  ++pieces_made_;
  LOG_INFO("spooled piece " << id << ": " << static_cast<double>(samples.size()) / 16000 << " s of speech from "
                            << FormatRfc3339(captured_at));
  {
    MutexLock lock(mutex_);
    new_piece_ = true;
  }
  wake_.notify_all();
  return Status::Ok();
}

void Listener::Upload() {
  auto next_try = std::chrono::steady_clock::now();
  while (true) {
    bool stopping = false, due = false;
    {
      MutexLock lock(mutex_);
      auto now = std::chrono::steady_clock::now();
      if (!upload_stopping_ && !(new_piece_ && now >= next_try)) {
        auto status_due = DeadlineAfter(kStatusEvery_s);
        lock.WaitUntil(wake_, new_piece_ ? std::min(status_due, next_try) : status_due);
      }
      stopping = upload_stopping_;
      due = stopping || (new_piece_ && std::chrono::steady_clock::now() >= next_try);
      if (due) new_piece_ = false;
    }
    if (due) {
      next_try = DeadlineAfter(UploadRoundNoted().retry_in_s.value_or(0));
    }
    NotifyStatus();
    if (stopping) return;
  }
}

UploadRound Listener::UploadRoundNoted() {
  UploadRound round = uploader_.SendWaiting();
  MutexLock lock(mutex_);
  if (round.retry_in_s) {
    new_piece_ = true;  // what waits goes again once the backoff is over
    last_error_ = round.last_error;
  } else if (round.sent > 0) {
    last_error_.clear();
  }
  if (uploader_.last_upload()) last_upload_ = uploader_.last_upload();
  return round;
}

void Listener::NotifyStatus() {
  if (options_.on_status) options_.on_status(CurrentStatus());
}

ListenerStatus Listener::CurrentStatus() const {
  SpoolStats spool = spool_.Stats();
  ListenerStatus status;
  status.capturing = capturing_;
  status.pieces_made = pieces_made_;
  status.pieces_waiting = spool.pieces;
  status.pieces_dropped = spool.dropped;
  status.pieces_rejected = spool.rejected;
  status.overruns = overruns_;
  if (options_.streaming.frames != nullptr) {
    FrameSpoolStats frames = options_.streaming.frames->Stats();
    status.frames_waiting = frames.frames;
    status.frames_dropped = frames.frames_dropped;
  }
  MutexLock lock(mutex_);
  status.mode = mode_;
  status.input = input_described_;
  status.last_upload = last_upload_;
  status.last_error = last_error_;
  return status;
}

}  // namespace reflexio
