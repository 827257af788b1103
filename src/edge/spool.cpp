#include "edge/spool.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/file_util.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/blob_cipher.h"

namespace reflexio {

namespace {

constexpr const char* kPieceSuffix = ".piece";

// Every piece is sealed bound to its id, under a context no server object can have.
BlobContext ContextOf(const std::string& id) { return {"reflexio-listener", id}; }

}  // namespace

Result<std::unique_ptr<Spool>> Spool::Open(const std::filesystem::path& dir, std::string key, uint64_t max_bytes) {
  if (key.size() != 32) return InvalidArgument("the spool key must be 32 bytes");
  RETURN_IF_ERROR(EnsureDirectory(dir));
  RETURN_IF_ERROR(EnsureDirectory(dir / "rejected"));
  std::unique_ptr<Spool> spool(new Spool(dir, std::move(key), max_bytes));
  MutexLock lock(spool->mutex_);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (!entry.is_regular_file()) continue;
    const std::filesystem::path& path = entry.path();
    if (path.extension() != kPieceSuffix) {
      RemoveQuietly(path);  // a piece a crash left half-written
      continue;
    }
    uint64_t size = entry.file_size(error);
    std::string id = path.stem().string();
    spool->sizes_[id] = size;
    spool->bytes_ += size;
    spool->next_sequence_ = std::max<uint64_t>(spool->next_sequence_, std::strtoull(id.c_str(), nullptr, 10) + 1);
  }
  if (error) return Unavailable("cannot read the spool " + dir.string() + ": " + error.message());
  for (const auto& entry : std::filesystem::directory_iterator(dir / "rejected", error)) {
    spool->rejected_ += entry.path().extension() == kPieceSuffix ? 1 : 0;
  }
  return spool;
}

std::filesystem::path Spool::PathOf(const std::string& id) const { return dir_ / (id + kPieceSuffix); }

Result<std::string> Spool::Add(TimePoint captured_at, const std::string& content_type, std::string_view audio) {
  std::string id;
  {
    MutexLock lock(mutex_);
    char sequence[24];
    std::snprintf(sequence, sizeof sequence, "%016llu", static_cast<unsigned long long>(next_sequence_++));
    id = std::string(sequence) + "-" + NewId();
  }
  std::string plaintext =
      nlohmann::json{{"captured_at", FormatRfc3339(captured_at)}, {"content_type", content_type}}.dump() + "\n";
  plaintext.append(audio);
  ASSIGN_OR_RETURN(std::string sealed, EncryptBlob(key_, ContextOf(id), plaintext));
  MutexLock lock(mutex_);
  RETURN_IF_ERROR(DropOldestFor(sealed.size()));
  RETURN_IF_ERROR(WriteFileDurably(PathOf(id), sealed));
  sizes_[id] = sealed.size();
  bytes_ += sealed.size();
  return id;
}

Status Spool::DropOldestFor(uint64_t incoming) {
  if (incoming > max_bytes_) {
    return InvalidArgument("a piece of " + std::to_string(incoming) + " bytes does not fit a spool of " +
                           std::to_string(max_bytes_));
  }
  while (!sizes_.empty() && bytes_ + incoming > max_bytes_) {
    auto oldest = sizes_.begin();
    std::filesystem::remove(PathOf(oldest->first));
    bytes_ -= oldest->second;
    ++dropped_;
    LOG_ERROR("the spool is full (" << max_bytes_ << " bytes): dropped its oldest piece " << oldest->first
                                    << " unsent; " << dropped_ << " dropped since the start");
    sizes_.erase(oldest);
  }
  return Status::Ok();
}

std::vector<std::string> Spool::Waiting() const {
  MutexLock lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& [id, size] : sizes_) ids.push_back(id);
  return ids;
}

Result<SpooledPiece> Spool::Read(const std::string& id) const {
  ASSIGN_OR_RETURN(std::string sealed, ReadWholeFile(PathOf(id)));
  ASSIGN_OR_RETURN(std::string plaintext, DecryptBlob(key_, ContextOf(id), sealed));
  size_t line_end = plaintext.find('\n');
  auto header = nlohmann::json::parse(plaintext.substr(0, line_end), nullptr, /*allow_exceptions=*/false);
  auto text_of = [&](const char* name) {
    return header.is_object() && header.value(name, nlohmann::json()).is_string() ? header[name].get<std::string>()
                                                                                    : std::string();
  };
  auto captured_at = ParseRfc3339(text_of("captured_at"));
  if (line_end == std::string::npos || !captured_at.ok() || text_of("content_type").empty()) {
    return Internal("the spooled piece " + id + " has no valid header", "spool_integrity");
  }
  return SpooledPiece{id, *captured_at, text_of("content_type"), plaintext.substr(line_end + 1)};
}

Status Spool::Remove(const std::string& id) {
  MutexLock lock(mutex_);
  auto known = sizes_.find(id);
  if (known == sizes_.end()) return NotFound("no spooled piece " + id);
  std::error_code error;
  std::filesystem::remove(PathOf(id), error);
  if (error) return Unavailable("cannot remove the spooled piece " + id + ": " + error.message());
  bytes_ -= known->second;
  sizes_.erase(known);
  return Status::Ok();
}

Status Spool::Reject(const std::string& id) {
  MutexLock lock(mutex_);
  auto known = sizes_.find(id);
  if (known == sizes_.end()) return NotFound("no spooled piece " + id);
  RETURN_IF_ERROR(RenameDurably(PathOf(id), dir_ / "rejected" / (id + kPieceSuffix)));
  bytes_ -= known->second;
  sizes_.erase(known);
  ++rejected_;
  return Status::Ok();
}

SpoolStats Spool::Stats() const {
  MutexLock lock(mutex_);
  return {static_cast<int64_t>(sizes_.size()), bytes_, dropped_, rejected_};
}

}  // namespace reflexio
