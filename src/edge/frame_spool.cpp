#include "edge/frame_spool.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

#include "core/file_util.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/blob_cipher.h"

namespace reflexio {

namespace {

constexpr const char* kSegmentSuffix = ".frames";

// Sealed bound to stream and segment, under a context no server object and no piece can have.
BlobContext ContextOf(const std::string& id, uint64_t first_seq) {
  return {"reflexio-listener-stream", id + "/" + std::to_string(first_seq)};
}

std::string Padded(uint64_t number, int width) {
  char text[32];
  std::snprintf(text, sizeof text, "%0*llu", width, static_cast<unsigned long long>(number));
  return text;
}

}  // namespace

struct FrameSpool::Stream {
  std::string id;
  TimePoint captured_at{};
  bool ended = false;
  bool dated = false;                                  // its first segment is sealed, or it ended
  uint64_t end_seq = 0;                                // the next frame's number
  uint64_t acknowledged_end = 0;                       // frames before it the server no longer needs
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> segments;  // first seq → frames, sealed bytes
  std::vector<std::string> tail;                       // not sealed yet, from tail_first
  uint64_t tail_first = 0;
};

FrameSpool::FrameSpool(std::filesystem::path dir, std::string key, uint64_t max_bytes, int frames_per_segment)
    : dir_(std::move(dir)), key_(std::move(key)), max_bytes_(max_bytes),
      frames_per_segment_(static_cast<size_t>(std::max(1, frames_per_segment))) {}

FrameSpool::~FrameSpool() = default;

std::filesystem::path FrameSpool::SegmentPath(const std::string& id, uint64_t first_seq) const {
  return dir_ / id / (Padded(first_seq, 12) + kSegmentSuffix);
}

Result<std::unique_ptr<FrameSpool>> FrameSpool::Open(const std::filesystem::path& dir, std::string key,
                                                     uint64_t max_bytes, int frames_per_segment) {
  if (key.size() != 32) return InvalidArgument("the spool key must be 32 bytes");
  RETURN_IF_ERROR(EnsureDirectory(dir));
  std::unique_ptr<FrameSpool> spool(new FrameSpool(dir, std::move(key), max_bytes, frames_per_segment));
  MutexLock lock(spool->mutex_);
  std::error_code error;
  for (const auto& folder : std::filesystem::directory_iterator(dir, error)) {
    if (!folder.is_directory()) continue;
    Stream stream;
    stream.id = folder.path().filename().string();
    for (const auto& file : std::filesystem::directory_iterator(folder.path(), error)) {
      if (file.path().extension() != kSegmentSuffix) {
        RemoveQuietly(file.path());  // a segment a crash left half-written
        continue;
      }
      uint64_t first = std::strtoull(file.path().stem().c_str(), nullptr, 10);
      auto frames = spool->ReadSegment(stream.id, first, &stream.captured_at);  // each header has the date
      if (!frames.ok()) {
        LOG_ERROR("the spooled frames " << file.path().string() << " cannot be read, left aside: "
                                        << frames.status().message());
        continue;
      }
      uint64_t size = file.file_size(error);
      stream.segments[first] = {frames->size(), size};
      stream.end_seq = std::max<uint64_t>(stream.end_seq, first + frames->size());
      spool->bytes_ += size;
    }
    if (stream.segments.empty()) {
      std::filesystem::remove_all(folder.path(), error);
      continue;
    }
    stream.ended = stream.dated = true;
    stream.acknowledged_end = stream.segments.begin()->first;
    stream.tail_first = stream.end_seq;
    spool->next_sequence_ = std::max<uint64_t>(spool->next_sequence_, std::strtoull(stream.id.c_str(), nullptr, 10) + 1);
    spool->streams_.emplace(stream.id, std::move(stream));
  }
  if (error) return Unavailable("cannot read the frame spool " + dir.string() + ": " + error.message());
  return spool;
}

Status FrameSpool::BeginStream(TimePoint captured_at) {
  RETURN_IF_ERROR(EndStream());
  MutexLock lock(mutex_);
  Stream stream;
  stream.id = Padded(next_sequence_++, 6) + "-" + NewId();
  stream.captured_at = captured_at;
  current_ = stream.id;
  streams_.emplace(stream.id, std::move(stream));
  return Status::Ok();
}

Status FrameSpool::Redate(TimePoint captured_at) {
  MutexLock lock(mutex_);
  auto it = streams_.find(current_);
  if (it == streams_.end()) return NotFound("no stream is being spooled");
  if (!it->second.dated) it->second.captured_at = captured_at;
  return Status::Ok();
}

Status FrameSpool::Append(std::string packet) {
  MutexLock lock(mutex_);
  auto it = streams_.find(current_);
  if (it == streams_.end()) return NotFound("no stream is being spooled: BeginStream first");
  Stream& stream = it->second;
  stream.tail.push_back(std::move(packet));
  ++stream.end_seq;
  return stream.tail.size() >= frames_per_segment_ ? SealTail(stream) : Status::Ok();
}

Status FrameSpool::EndStream() {
  MutexLock lock(mutex_);
  auto it = streams_.find(current_);
  current_.clear();
  if (it == streams_.end()) return Status::Ok();
  Stream& stream = it->second;
  Status sealed = SealTail(stream);
  stream.ended = stream.dated = true;
  if (stream.end_seq == 0) streams_.erase(it);  // nothing was captured in it
  return sealed;
}

Status FrameSpool::SealTail(Stream& stream) {
  if (stream.tail.empty()) return Status::Ok();
  uint64_t first = stream.tail_first, count = stream.tail.size();
  std::vector<std::string> tail = std::move(stream.tail);
  stream.tail.clear();
  stream.tail_first = stream.end_seq;
  stream.dated = true;
  if (first + count <= stream.acknowledged_end) return Status::Ok();  // the server has it all already
  std::string plaintext = nlohmann::json{{"captured_at", FormatRfc3339(stream.captured_at)},
                                         {"first_seq", first}, {"count", count}}.dump() + "\n";
  for (const std::string& packet : tail) {
    plaintext.push_back(static_cast<char>(packet.size() >> 8));
    plaintext.push_back(static_cast<char>(packet.size() & 0xff));
    plaintext += packet;
  }
  ASSIGN_OR_RETURN(std::string sealed, EncryptBlob(key_, ContextOf(stream.id, first), plaintext));
  RETURN_IF_ERROR(DropOldestFor(sealed.size()));
  RETURN_IF_ERROR(EnsureDirectory(dir_ / stream.id));
  RETURN_IF_ERROR(WriteFileDurably(SegmentPath(stream.id, first), sealed));
  stream.segments[first] = {count, sealed.size()};
  bytes_ += sealed.size();
  return Status::Ok();
}

Status FrameSpool::DropOldestFor(uint64_t incoming) {
  if (incoming > max_bytes_) {
    return InvalidArgument("a segment of " + std::to_string(incoming) + " bytes does not fit a spool of " +
                           std::to_string(max_bytes_));
  }
  for (auto& [id, stream] : streams_) {
    while (!stream.segments.empty() && bytes_ + incoming > max_bytes_) {
      auto oldest = stream.segments.begin();
      std::filesystem::remove(SegmentPath(id, oldest->first));
      bytes_ -= oldest->second.second;
      frames_dropped_ += static_cast<int64_t>(oldest->second.first);
      LOG_ERROR("the frame spool is full (" << max_bytes_ << " bytes): dropped " << oldest->second.first
                                            << " unsent frame(s) of stream " << id << "; " << frames_dropped_
                                            << " dropped since the start");
      stream.segments.erase(oldest);
    }
  }
  return Status::Ok();
}

Result<std::vector<SpooledFrame>> FrameSpool::ReadSegment(const std::string& id, uint64_t first_seq,
                                                          TimePoint* captured_at) const {
  ASSIGN_OR_RETURN(std::string sealed, ReadWholeFile(SegmentPath(id, first_seq)));
  ASSIGN_OR_RETURN(std::string plaintext, DecryptBlob(key_, ContextOf(id, first_seq), sealed));
  size_t at = plaintext.find('\n');
  auto header = nlohmann::json::parse(plaintext.substr(0, at), nullptr, /*allow_exceptions=*/false);
  auto dated = ParseRfc3339(header.is_object() ? header.value("captured_at", "") : "");
  if (at == std::string::npos || !dated.ok() || header.value("first_seq", uint64_t{0}) != first_seq) {
    return Internal("the spooled segment " + id + "/" + std::to_string(first_seq) + " has no valid header",
                    "spool_integrity");
  }
  if (captured_at != nullptr) *captured_at = *dated;
  std::vector<SpooledFrame> frames;
  for (++at; at + 2 <= plaintext.size();) {
    size_t size = (static_cast<unsigned char>(plaintext[at]) << 8) | static_cast<unsigned char>(plaintext[at + 1]);
    if (at + 2 + size > plaintext.size()) return Internal("a spooled segment of " + id + " is cut short", "spool_integrity");
    frames.push_back({first_seq + frames.size(), plaintext.substr(at + 2, size)});
    at += 2 + size;
  }
  return frames;
}

SpooledStream FrameSpool::Describe(const Stream& stream) {
  return {stream.id, stream.captured_at, stream.ended, stream.end_seq};
}

std::optional<SpooledStream> FrameSpool::Oldest() const {
  MutexLock lock(mutex_);
  for (const auto& [id, stream] : streams_) {
    if (stream.dated) return Describe(stream);
  }
  return std::nullopt;
}

std::optional<SpooledStream> FrameSpool::Find(const std::string& id) const {
  MutexLock lock(mutex_);
  auto it = streams_.find(id);
  return it == streams_.end() ? std::nullopt : std::optional(Describe(it->second));
}

Result<std::vector<SpooledFrame>> FrameSpool::Read(const std::string& id, uint64_t from_seq, size_t max) const {
  MutexLock lock(mutex_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return NotFound("no spooled stream " + id);
  const Stream& stream = it->second;
  std::vector<SpooledFrame> frames;
  for (const auto& [first, sizes] : stream.segments) {
    if (first + sizes.first <= from_seq) continue;
    ASSIGN_OR_RETURN(auto segment, ReadSegment(id, first, nullptr));
    for (SpooledFrame& frame : segment) {
      if (frame.seq >= from_seq && frames.size() < max) frames.push_back(std::move(frame));
    }
    if (frames.size() >= max) return frames;
  }
  for (size_t i = 0; i < stream.tail.size() && frames.size() < max; ++i) {
    if (stream.tail_first + i >= from_seq) frames.push_back({stream.tail_first + i, stream.tail[i]});
  }
  return frames;
}

Status FrameSpool::AcknowledgeThrough(const std::string& id, uint64_t seq) {
  MutexLock lock(mutex_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return NotFound("no spooled stream " + id);
  it->second.acknowledged_end = std::max(it->second.acknowledged_end, seq + 1);
  return RemoveSegments(it->second, it->second.acknowledged_end);
}

Status FrameSpool::RemoveSegments(Stream& stream, uint64_t below_seq) {
  while (!stream.segments.empty()) {
    auto [first, sizes] = *stream.segments.begin();
    if (first + sizes.first > below_seq) break;
    std::error_code error;
    std::filesystem::remove(SegmentPath(stream.id, first), error);
    if (error) return Unavailable("cannot remove spooled frames of " + stream.id + ": " + error.message());
    bytes_ -= sizes.second;
    stream.segments.erase(stream.segments.begin());
  }
  return Status::Ok();
}

Status FrameSpool::Remove(const std::string& id) {
  MutexLock lock(mutex_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return NotFound("no spooled stream " + id);
  if (!it->second.ended) return InvalidArgument("stream " + id + " is still being spooled");
  RETURN_IF_ERROR(RemoveSegments(it->second, UINT64_MAX));
  std::error_code error;
  std::filesystem::remove_all(dir_ / id, error);
  streams_.erase(it);
  return Status::Ok();
}

FrameSpoolStats FrameSpool::Stats() const {
  MutexLock lock(mutex_);
  FrameSpoolStats stats{static_cast<int64_t>(streams_.size()), 0, bytes_, frames_dropped_};
  for (const auto& [id, stream] : streams_) {
    for (const auto& [first, sizes] : stream.segments) stats.frames += static_cast<int64_t>(sizes.first);
    stats.frames += static_cast<int64_t>(stream.tail.size());
  }
  return stats;
}

}  // namespace reflexio
