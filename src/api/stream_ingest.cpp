#include "api/stream_ingest.h"

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <deque>
#include <optional>
#include <vector>

#include "audio/opus_encoder.h"
#include "audio/opus_frames.h"
#include "audio/pcm16.h"
#include "audio/piece_cutter.h"
#include "audio/stream_frame.h"
#include "core/log.h"

namespace reflexio {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr int kRate = 16000;
constexpr double kPaceFactor = 2.0;   // past the burst, audio may arrive at twice real time
constexpr int kMaxBacklog = 64;       // messages handed to the strand and not handled yet
constexpr double kLiveEvery_s = 0.5;  // how often partials are brought up to date
constexpr double kFinalsWait_s = 60;  // after the end, how long finals are awaited before closing
constexpr auto kFinalsPoll = std::chrono::seconds(1);

bool ValidStreamId(const std::string& id) {
  return id.size() >= 8 && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_';
         });
}

// Sample numbers in keys are fixed-width, so byte order is numeric order.
std::string Padded(uint64_t sample) {
  std::string digits = std::to_string(sample);
  return std::string(digits.size() < 12 ? 12 - digits.size() : 0, '0') + digits;
}

// "<prefix><first>-<end>" → end.
std::optional<uint64_t> EndSampleOf(const std::string& key, size_t prefix_size) {
  size_t dash = key.find('-', prefix_size);
  if (dash == std::string::npos) return std::nullopt;
  try {
    return std::stoull(key.substr(dash + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string TextField(const json& message, const char* name) {
  auto it = message.find(name);
  return it != message.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

class StreamSession;

struct StreamIngest::Entry {
  std::weak_ptr<StreamSession> active;
  uint64_t newest = 0;   // the opening number of the latest connection that started
  uint64_t decided = 0;  // samples before this are kept or judged quiet
  std::chrono::steady_clock::time_point seen = std::chrono::steady_clock::now();
};

struct StreamIngest::Impl {
  explicit Impl(StreamIngestDeps d)
      : deps(d), pool(static_cast<size_t>(d.config.stream_threads > 0 ? d.config.stream_threads
                                                                       : std::max(1u, std::thread::hardware_concurrency()))) {}
  StreamIngestDeps deps;
  asio::thread_pool pool;
  Mutex mutex;
  std::map<std::string, Entry> streams GUARDED_BY(mutex);  // by tenant and stream id
  std::chrono::steady_clock::time_point last_sweep GUARDED_BY(mutex){};
  std::atomic<int64_t> pieces{0}, partials{0};
  std::atomic<uint64_t> opened{0};  // connections numbered as they open
};

class StreamSession : public WebSocketSession, public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(StreamIngest::Impl& ingest, Tenant tenant)
      : ingest_(ingest), tenant_(std::move(tenant)), serial_(++ingest.opened), strand_(asio::make_strand(ingest.pool)), finals_timer_(strand_) {}

  // WebSocketSession: these three run on the connection's I/O strand and only hand over.
  void OnOpen(std::shared_ptr<WebSocketPeer> peer) override {
    opened_ = std::chrono::steady_clock::now();
    asio::post(strand_, [self = shared_from_this(), peer = std::move(peer)] { self->peer_ = peer; });
  }

  std::chrono::milliseconds OnMessage(bool binary, std::string_view data) override {
    if (binary) ++frames_in_;
    ++backlog_;
    asio::post(strand_, [self = shared_from_this(), binary, message = std::string(data)] {
      self->Handle(binary, message);
      --self->backlog_;
    });
    return Pace();
  }

  void OnEnd() override {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->phase_ != Phase::kDone) self->Release();
    });
  }

  // A newer connection of the same stream takes over: this one stops, finishes what it is
  // storing, and only then lets the newer one look where to resume.
  void Replace(std::function<void()> then) {
    stopping_ = true;
    asio::post(strand_, [self = shared_from_this(), then = std::move(then)] {
      self->Close(CloseCode::kReplaced, "a newer connection of this stream took over");
      then();
    });
  }

 private:
  enum class Phase { kAwaitingStart, kStarting, kStreaming, kEnding, kDone };

  // How long the connection waits before reading on: a client ahead of real time by more than
  // the burst, or ahead of this stream's strand, is slowed (TCP pushes back on it).
  std::chrono::milliseconds Pace() const {
    double audio_s = static_cast<double>(frames_in_) * frame_ms_ / 1000.0;
    double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count();
    double ahead_s = audio_s - (ingest_.deps.config.stream_burst_s + kPaceFactor * elapsed_s);
    double wait_s = std::max(0.0, ahead_s / kPaceFactor);
    if (backlog_ > kMaxBacklog) wait_s = std::max(wait_s, 0.02);
    return ToMilliseconds(std::min(wait_s, 1.0));
  }

  // Everything below runs on the stream's strand.
  void Handle(bool binary, const std::string& message) {
    if (phase_ == Phase::kDone || stopping_) return;
    if (phase_ == Phase::kStarting) {  // waits for the resume point
      deferred_.emplace_back(binary, message);
      return;
    }
    if (!binary) return HandleText(message);
    if (phase_ != Phase::kStreaming) {
      return Close(CloseCode::kBadMessage, phase_ == Phase::kEnding ? "an audio frame came after the end message"
                                                                     : "an audio frame came before the start message");
    }
    HandleFrame(message);
  }

  void HandleText(const std::string& text) {
    json message = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded() || !message.is_object()) {
      return Close(CloseCode::kBadMessage, "a text message must be a JSON object with a type");
    }
    std::string type = TextField(message, "type");
    if (type == "start" && phase_ == Phase::kAwaitingStart) return Start(message);
    if (type == "end" && phase_ == Phase::kStreaming) return End();
    if (type == "start" || type == "end") return Close(CloseCode::kBadMessage, "'" + type + "' came out of turn");
    Close(CloseCode::kBadMessage, "unknown message type '" + type.substr(0, 40) + "' (start, end)");
  }

  void Start(const json& message) {
    stream_id_ = TextField(message, "stream_id");
    std::string format = TextField(message, "format");
    auto frame_ms = message.find("frame_ms");
    int ms = frame_ms == message.end() ? 20 : frame_ms->is_number_integer() ? frame_ms->get<int>() : -1;
    auto captured_at = ParseRfc3339(TextField(message, "captured_at"));
    if (!ValidStreamId(stream_id_)) return Close(CloseCode::kBadMessage, "stream_id must be 8 to 64 letters, digits, - or _");
    if (format != "pcm16" && format != "opus") return Close(CloseCode::kBadMessage, "format must be pcm16 or opus");
    if (ms != 10 && ms != 20 && ms != 40 && ms != 60) return Close(CloseCode::kBadMessage, "frame_ms must be 10, 20, 40 or 60");
    if (!captured_at.ok()) return Close(CloseCode::kBadMessage, "captured_at must be an RFC 3339 time");
    if (format == "opus") {
      auto decoder = OpusFrameDecoder::Create();
      if (!decoder.ok()) return Close(CloseCode::kInternal, decoder.status().message());
      opus_ = std::move(decoder).value();
    }
    captured_at_ = *captured_at;
    frame_samples_ = static_cast<uint64_t>(ms) * kRate / 1000;
    frame_ms_ = ms;
    cutter_ = std::make_unique<PieceCutter>();
    phase_ = Phase::kStarting;
    key_ = tenant_.id + "\n" + stream_id_;
    auto previous = TakeOver();
    if (!previous.ok()) {
      key_.clear();
      return Close(CloseCode::kReplaced, previous.status().message());
    }
    auto resume = [self = shared_from_this()] { asio::post(self->strand_, [self] { self->Resume(); }); };
    if (*previous && previous->get() != this) {
      (*previous)->Replace(std::move(resume));
    } else {
      resume();
    }
  }

  // Makes this connection the stream's active one; answers the one it replaces, if any. A dropped
  // connection's start can be read after its successor's: the later-opened one wins.
  Result<std::shared_ptr<StreamSession>> TakeOver() {
    MutexLock lock(ingest_.mutex);
    ForgetIdleStreams();
    auto& entry = ingest_.streams[key_];
    if (entry.newest > serial_) return Status(ErrorCode::kConflict, "replaced", "a newer connection of this stream is open");
    entry.newest = serial_;
    entry.seen = std::chrono::steady_clock::now();
    return std::exchange(entry.active, weak_from_this()).lock();
  }

  // A stream not heard of for an hour resumes from its stored keys alone: its entry goes.
  void ForgetIdleStreams() REQUIRES(ingest_.mutex) {
    auto now = std::chrono::steady_clock::now();
    if (now - ingest_.last_sweep < std::chrono::minutes(1)) return;
    ingest_.last_sweep = now;
    std::erase_if(ingest_.streams, [&](const auto& item) {
      return item.second.active.expired() && now - item.second.seen > std::chrono::hours(1);
    });
  }

  // Where this stream left off: the end of its last stored piece, or further, when this process
  // saw quiet after it.
  void Resume() {
    if (phase_ == Phase::kDone) return;
    uint64_t resume = 0;
    {
      MutexLock lock(ingest_.mutex);
      resume = ingest_.streams[key_].decided;
    }
    std::string prefix = StreamIngest::KeyPrefix(stream_id_);
    auto last = ingest_.deps.recordings.LastIdempotencyKeyWithPrefix(tenant_.id, prefix);
    if (!last.ok()) return Close(CloseCode::kInternal, "the stream's stored pieces cannot be read; try again");
    if (*last) resume = std::max(resume, EndSampleOf(**last, prefix.size()).value_or(0));
    if (!Admitted()) return;
    resume_sample_ = resume;
    phase_ = Phase::kStreaming;
    Send({{"type", "ready"}, {"stream_id", stream_id_}, {"resume_from_seq", resume / frame_samples_}});
    auto deferred = std::move(deferred_);
    deferred_.clear();
    for (const auto& [binary, message] : deferred) Handle(binary, message);
  }

  bool Admitted() {
    if (ingest_.deps.meter == nullptr) return true;
    Status admitted = ingest_.deps.meter->AdmitUpload(tenant_.id);
    if (admitted.ok()) return true;
    Close(admitted.code() == ErrorCode::kPaymentRequired ? CloseCode::kPaymentRequired : CloseCode::kInternal,
          admitted.message());
    return false;
  }

  void HandleFrame(const std::string& message) {
    auto sequence = StreamFrameSeq(message);
    if (!sequence) return Close(CloseCode::kBadMessage, "an audio frame begins with its 8-byte sequence number");
    uint64_t seq = *sequence;
    if (seq < (next_seq_ ? *next_seq_ : resume_sample_ / frame_samples_)) return;  // held already: a duplicate
    if (next_seq_ && seq > *next_seq_) {
      return Close(CloseCode::kBadMessage,
                   "frame " + std::to_string(seq) + " came where " + std::to_string(*next_seq_) + " was due");
    }
    auto samples = Decode(std::string_view(message).substr(kStreamFrameHeaderBytes));
    if (!samples.ok()) return Close(CloseCode::kBadMessage, samples.status().message());
    uint64_t frame_start = seq * frame_samples_;
    size_t skip = 0;
    if (!next_seq_) {  // the first frame of this connection: what the stream holds already is skipped
      skip = static_cast<size_t>(resume_sample_ > frame_start ? resume_sample_ - frame_start : 0);
      base_sample_ = frame_start + skip;
    }
    next_seq_ = seq + 1;
    if (opus_) packets_.emplace_back(seq, message.substr(kStreamFrameHeaderBytes));
    auto pieces = cutter_->Push(std::span<const float>(*samples).subspan(skip));
    if (!pieces.ok()) return Close(CloseCode::kInternal, "cutting speech failed: " + pieces.status().message());
    if (!StorePieces(*pieces)) return;
    uint64_t decided = base_sample_ + static_cast<uint64_t>(std::llround(cutter_->decided_s() * kRate));
    while (!packets_.empty() && (packets_.front().first + 1) * frame_samples_ < decided) packets_.pop_front();
    Acknowledge(decided);
    since_live_s_ += static_cast<double>(frame_ms_) / 1000;
    if (since_live_s_ >= kLiveEvery_s || !pieces->empty()) {
      since_live_s_ = 0;
      UpdatePartial(!pieces->empty());
    }
  }

  Result<std::vector<float>> Decode(std::string_view payload) {
    if (opus_) return opus_->Decode(payload, static_cast<int>(frame_samples_));
    if (payload.size() != frame_samples_ * 2) {
      return InvalidArgument("a PCM16 frame of " + std::to_string(frame_ms_) + " ms is " +
                                 std::to_string(frame_samples_ * 2) + " bytes, not " + std::to_string(payload.size()),
                             "bad_frame");
    }
    std::vector<float> samples(frame_samples_);
    for (size_t i = 0; i < samples.size(); ++i) {
      auto low = static_cast<uint16_t>(static_cast<unsigned char>(payload[2 * i]));
      auto high = static_cast<uint16_t>(static_cast<unsigned char>(payload[2 * i + 1]));
      samples[i] = FromPcm16(static_cast<int16_t>(low | (high << 8)));
    }
    return samples;
  }

  // An Opus stream's piece is kept as the packets it was sent (no second encoding), so it runs
  // from frame boundary to frame boundary: each end is rounded to the nearest, and neighbouring
  // pieces still meet without sharing a frame.
  struct PieceAudio {
    uint64_t first = 0, end = 0;  // samples of the stream
    std::string ogg;
  };

  Result<PieceAudio> Encode(const SpeechPiece& piece) {
    uint64_t first = base_sample_ + static_cast<uint64_t>(std::llround(piece.start_s * kRate));
    uint64_t end = first + piece.samples.size();
    if (!opus_) {
      ASSIGN_OR_RETURN(std::string ogg, EncodeOggOpus(piece.samples, ingest_.deps.config.opus_bitrate));
      return PieceAudio{first, end, std::move(ogg)};
    }
    uint64_t first_frame = (first + frame_samples_ / 2) / frame_samples_;
    uint64_t end_frame = std::max(first_frame + 1, (end + frame_samples_ / 2) / frame_samples_);
    std::vector<std::string_view> packets;  // the held ones: they follow each other without a gap
    std::optional<uint64_t> from;
    for (const auto& [seq, packet] : packets_) {
      if (seq < first_frame || seq >= end_frame) continue;
      if (!from) from = seq;
      packets.push_back(packet);
    }
    if (!from) return Internal("the piece's Opus packets are not held");
    ASSIGN_OR_RETURN(std::string ogg, MuxOggOpus(packets, frame_ms_));
    return PieceAudio{*from * frame_samples_, (*from + packets.size()) * frame_samples_, std::move(ogg)};
  }

  bool StorePieces(const std::vector<SpeechPiece>& pieces) {
    for (const SpeechPiece& piece : pieces) {
      if (!Admitted()) return false;
      auto audio = Encode(piece);
      auto stored = audio.ok() ? StorePiece(*audio) : Result<Recording>(audio.status());
      if (!stored.ok()) {
        Close(CloseCode::kInternal, "a piece could not be stored: " + stored.status().message());
        return false;
      }
      ++ingest_.pieces;
      awaiting_.push_back(stored->id);
      Send({{"type", "stored"}, {"recording_id", stored->id}, {"first_seq", audio->first / frame_samples_},
            {"last_seq", (audio->end - 1) / frame_samples_}, {"captured_at", FormatRfc3339(stored->captured_at)},
            {"duration_s", static_cast<double>(audio->end - audio->first) / kRate}});
      ScheduleFinals();
    }
    return true;
  }

  Result<Recording> StorePiece(const PieceAudio& audio) {
    IngestRequest request;
    request.tenant_id = tenant_.id;
    request.content_type = "audio/ogg";
    request.captured_at = AddSeconds(captured_at_, static_cast<double>(audio.first) / kRate);
    request.idempotency_key = StreamIngest::KeyPrefix(stream_id_) + Padded(audio.first) + "-" + Padded(audio.end);
    ASSIGN_OR_RETURN(auto staged, ingest_.deps.ingestor.Begin(std::move(request)));
    RETURN_IF_ERROR(staged->Write(audio.ogg));
    ASSIGN_OR_RETURN(InsertOutcome outcome, ingest_.deps.ingestor.Finish(std::move(staged)));
    return outcome.recording;
  }

  // Frames wholly before `decided` (a sample number) are kept or judged quiet: the client may forget them.
  void Acknowledge(uint64_t decided) {
    {
      MutexLock lock(ingest_.mutex);
      auto& entry = ingest_.streams[key_];
      entry.decided = std::max(entry.decided, decided);
      entry.seen = std::chrono::steady_clock::now();
    }
    if (decided < frame_samples_) return;
    uint64_t through = decided / frame_samples_ - 1;
    if (acked_ && through <= *acked_) return;
    acked_ = through;
    Send({{"type", "ack"}, {"through_seq", through}});
  }

  void End() {
    auto pieces = cutter_->Finish();
    if (!pieces.ok()) return Close(CloseCode::kInternal, "cutting speech failed: " + pieces.status().message());
    if (!StorePieces(*pieces)) return;
    EndPartial();
    if (next_seq_) Acknowledge(*next_seq_ * frame_samples_);  // everything received is decided now
    phase_ = Phase::kEnding;
    ending_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(static_cast<int>(kFinalsWait_s));
    CheckFinals();
  }

  // Partials: while the cutter holds speech not yet in a piece, a live decoder (when one is free)
  // hears it and its best guess goes to the client when it changes.
  void UpdatePartial(bool piece_emitted) {
    LiveTranscriberPool* pool = ingest_.deps.live;
    if (pool == nullptr) return;
    if (piece_emitted) EndPartial();
    std::span<const float> held = cutter_->held();
    bool speaking = static_cast<double>(held.size()) / kRate > CutterOptions{}.preroll_s + 0.25;
    if (!speaking) {
      EndPartial();
      pool->Return(std::move(live_));
      return;
    }
    if (!live_ && !(live_ = pool->TryTake())) return;
    uint64_t held_start = base_sample_ + static_cast<uint64_t>(std::llround(cutter_->decided_s() * kRate));
    if (!in_utterance_) {
      if (!live_->Begin().ok()) return;
      in_utterance_ = true;
      live_fed_until_ = held_start;
    }
    live_fed_until_ = std::max(live_fed_until_, held_start);
    size_t from = static_cast<size_t>(std::min<uint64_t>(live_fed_until_ - held_start, held.size()));
    if (!live_->Feed(held.subspan(from)).ok()) return;
    live_fed_until_ = held_start + held.size();
    std::string text = live_->Hypothesis();
    if (text.empty() || text == partial_) return;
    partial_ = text;
    ++ingest_.partials;
    Send({{"type", "partial"}, {"text", text}, {"first_seq", held_start / frame_samples_}});
  }

  void EndPartial() {
    if (live_ && in_utterance_) live_->End();
    in_utterance_ = false;
    partial_.clear();
  }

  void ScheduleFinals() {
    if (finals_scheduled_) return;
    finals_scheduled_ = true;
    finals_timer_.expires_after(kFinalsPoll);
    finals_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->finals_scheduled_ = false;
      if (!ec) self->CheckFinals();
    });
  }

  // Sends the final segments of each stored piece whose transcript is in; after the end, closes
  // once none is awaited (or kFinalsWait_s has passed).
  void CheckFinals() {
    if (phase_ == Phase::kDone) return;
    for (auto it = awaiting_.begin(); it != awaiting_.end();) {
      auto found = ingest_.deps.recordings.GetRecording(tenant_.id, *it);
      if (!found.ok()) break;  // the database is away: try again on the next round
      if (!*found) {           // deleted meanwhile
        it = awaiting_.erase(it);
        continue;
      }
      const Recording& r = **found;
      if (r.status == RecordingStatus::kFailed) {
        Send({{"type", "final"}, {"recording_id", r.id}, {"status", "failed"}, {"error", r.error}});
      } else if (r.status == RecordingStatus::kTranscribed) {
        auto segments = ingest_.deps.transcripts.GetSegments(tenant_.id, r.id);
        if (!segments.ok()) break;
        json list = json::array();
        std::string text;
        for (const Segment& s : *segments) {
          list.push_back({{"start_s", s.start_s}, {"end_s", s.end_s}, {"captured_at", FormatRfc3339(s.captured_at)},
                          {"text", s.text}});
          if (!s.text.empty()) text += (text.empty() ? "" : " ") + s.text;
        }
        Send({{"type", "final"}, {"recording_id", r.id}, {"status", "transcribed"}, {"text", text}, {"segments", list}});
      } else {
        ++it;
        continue;
      }
      it = awaiting_.erase(it);
    }
    if (phase_ == Phase::kEnding && (awaiting_.empty() || std::chrono::steady_clock::now() > ending_deadline_)) {
      return Close(CloseCode::kNormal, awaiting_.empty() ? "the stream ended; everything sent is stored"
                                                         : "the stream ended; some transcripts are still coming");
    }
    if (!awaiting_.empty() || phase_ == Phase::kEnding) ScheduleFinals();
  }

  void Send(const json& message) {
    if (peer_) peer_->SendText(message.dump());
  }

  void Close(CloseCode code, const std::string& reason) {
    if (phase_ == Phase::kDone) return;
    if (code != CloseCode::kNormal && code != CloseCode::kReplaced) {
      LOG_INFO("stream " << stream_id_ << " of tenant " << tenant_.id << " closed (" << static_cast<int>(code)
                         << "): " << reason);
    }
    if (peer_) peer_->Close(code, reason);
    Release();
  }

  // Held audio not yet in a piece is dropped unacknowledged: the client sends it again.
  void Release() {
    phase_ = Phase::kDone;
    finals_timer_.cancel();
    EndPartial();
    if (ingest_.deps.live != nullptr) ingest_.deps.live->Return(std::move(live_));
    cutter_.reset();
    packets_.clear();
    deferred_.clear();
    awaiting_.clear();
    if (key_.empty()) return;
    MutexLock lock(ingest_.mutex);
    auto& entry = ingest_.streams[key_];
    if (entry.active.lock().get() == this) entry.active.reset();
  }

  StreamIngest::Impl& ingest_;
  const Tenant tenant_;
  const uint64_t serial_;
  asio::strand<asio::thread_pool::executor_type> strand_;
  // The connection's side (its I/O strand), read by Pace.
  std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
  std::atomic<int64_t> frames_in_{0};
  std::atomic<int> backlog_{0};
  std::atomic<int> frame_ms_{20};
  std::atomic<bool> stopping_{false};
  // The stream's side (its strand).
  std::shared_ptr<WebSocketPeer> peer_;
  Phase phase_ = Phase::kAwaitingStart;
  std::string stream_id_, key_;
  TimePoint captured_at_{};
  uint64_t frame_samples_ = 320;
  uint64_t resume_sample_ = 0, base_sample_ = 0;
  std::optional<uint64_t> next_seq_, acked_;
  std::unique_ptr<OpusFrameDecoder> opus_;
  std::deque<std::pair<uint64_t, std::string>> packets_;  // an Opus stream's frames from the held audio on
  std::unique_ptr<PieceCutter> cutter_;
  std::deque<std::pair<bool, std::string>> deferred_;
  std::vector<std::string> awaiting_;  // stored pieces whose final is not sent yet
  asio::steady_timer finals_timer_;
  bool finals_scheduled_ = false;
  std::chrono::steady_clock::time_point ending_deadline_{};
  std::unique_ptr<LiveTranscriber> live_;
  bool in_utterance_ = false;
  uint64_t live_fed_until_ = 0;
  double since_live_s_ = 0;
  std::string partial_;
};

StreamIngest::StreamIngest(StreamIngestDeps deps) : impl_(std::make_unique<Impl>(deps)) {}

StreamIngest::~StreamIngest() { Stop(); }

std::shared_ptr<WebSocketSession> StreamIngest::Open(const Tenant& tenant) {
  return std::make_shared<StreamSession>(*impl_, tenant);
}

void StreamIngest::Stop() {
  impl_->pool.stop();
  impl_->pool.join();
}

StreamIngestStats StreamIngest::Stats() const {
  return {impl_->pieces.load(), impl_->partials.load()};
}

std::string StreamIngest::KeyPrefix(const std::string& stream_id) { return "stream:" + stream_id + ":"; }

}  // namespace reflexio
