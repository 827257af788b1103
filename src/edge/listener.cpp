#include "edge/listener.h"

#include <boost/lockfree/spsc_queue.hpp>

#include <chrono>
#include <vector>

#include "audio/opus_encoder.h"
#include "core/log.h"

namespace reflexio {

namespace {
constexpr size_t kFrame = 480;                 // 30 ms at 16 kHz
constexpr size_t kRingSamples = 16000 * 20;    // 20 s between the device and the cutter
constexpr double kStatusEvery_s = 1.0;
}  // namespace

struct Listener::Ring {
  boost::lockfree::spsc_queue<int16_t, boost::lockfree::capacity<kRingSamples>> samples;
};

Listener::Listener(std::unique_ptr<AudioInput> input, Spool& spool, PieceUploader& uploader, ListenerOptions options)
    : input_(std::move(input)), spool_(spool), uploader_(uploader), options_(std::move(options)),
      ring_(std::make_unique<Ring>()) {}

Listener::~Listener() { Stop(); }

void Listener::Start() {
  capture_ = std::thread([this] { Capture(); });
  cutting_ = std::thread([this] { CutPieces(); });
  upload_ = std::thread([this] { Upload(); });
}

void Listener::Stop() {
  stopping_ = true;
  if (capture_.joinable()) capture_.join();
  if (cutting_.joinable()) cutting_.join();  // it drains the ring and stores the last piece
  {
    MutexLock lock(mutex_);
    upload_stopping_ = true;
  }
  wake_.notify_all();
  if (upload_.joinable()) upload_.join();
}

void Listener::Capture() {
  std::vector<int16_t> frame(kFrame);
  capturing_ = true;
  while (!stopping_) {
    Status read = input_->Read(frame);
    if (!read.ok()) {
      LOG_ERROR("capture stopped: " << read.message());
      MutexLock lock(mutex_);
      last_error_ = read.message();
      break;
    }
    size_t pushed = ring_->samples.push(frame.data(), frame.size());
    if (pushed < frame.size()) {
      int64_t overruns = ++overruns_;
      if (overruns == 1 || overruns % 100 == 0) {
        LOG_WARN("the listener fell behind the microphone: " << overruns << " frame(s) of audio lost so far");
      }
    }
  }
  capturing_ = false;
  capture_done_ = true;
}

void Listener::CutPieces() {
  PieceCutter cutter(MakeVad("webrtc").value(), options_.cutter);
  std::vector<int16_t> taken(kFrame * 16);
  std::vector<float> samples;
  auto store = [this](const Result<std::vector<SpeechPiece>>& pieces) {
    if (!pieces.ok()) {
      LOG_ERROR("cutting speech failed: " << pieces.status().message());
      return;
    }
    for (const SpeechPiece& piece : *pieces) {
      Status stored = StorePiece(piece);
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
    for (size_t i = 0; i < n; ++i) samples[i] = static_cast<float>(taken[i]) / 32768.0f;
    store(cutter.Push(samples));
  }
  store(cutter.Finish());
}

Status Listener::StorePiece(const SpeechPiece& piece) {
  ASSIGN_OR_RETURN(std::string audio, EncodeOggOpus(piece.samples, options_.opus_bitrate));
  TimePoint captured_at = AddSeconds(input_->first_sample_at(), piece.start_s);
  ASSIGN_OR_RETURN(std::string id, spool_.Add(captured_at, "audio/ogg", audio));
  ++pieces_made_;
  LOG_INFO("spooled piece " << id << ": " << static_cast<double>(piece.samples.size()) / 16000 << " s of speech from "
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
      UploadRound round = uploader_.SendWaiting();
      next_try = DeadlineAfter(round.retry_in_s.value_or(0));
      MutexLock lock(mutex_);
      if (round.retry_in_s) {
        new_piece_ = true;  // what waits goes again once the backoff is over
        last_error_ = round.last_error;
      } else if (round.sent > 0) {
        last_error_.clear();
      }
      if (uploader_.last_upload()) last_upload_ = uploader_.last_upload();
    }
    if (options_.on_status) options_.on_status(CurrentStatus());
    if (stopping) return;
  }
}

ListenerStatus Listener::CurrentStatus() const {
  SpoolStats spool = spool_.Stats();
  ListenerStatus status;
  status.capturing = capturing_;
  status.input = input_->Describe();
  status.pieces_made = pieces_made_;
  status.pieces_waiting = spool.pieces;
  status.pieces_dropped = spool.dropped;
  status.pieces_rejected = spool.rejected;
  status.overruns = overruns_;
  MutexLock lock(mutex_);
  status.last_upload = last_upload_;
  status.last_error = last_error_;
  return status;
}

}  // namespace reflexio
