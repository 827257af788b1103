#include "core/file_util.h"
#include "storage/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/ids.h"

namespace reflexio {

namespace fs = std::filesystem;

Status ValidateBlobKey(const std::string& key) {
  auto bad = [&] { return InvalidArgument("'" + key + "' is not a valid object key", "invalid_blob_key"); };
  if (key.empty() || key.size() > 512 || key.front() == '/' || key.back() == '/') return bad();
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    std::string segment = key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return bad();
    for (char c : segment) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-';
      if (!ok) return bad();
    }
    start = end + 1;
  }
  return Status::Ok();
}

Status FilesystemBlobStore::Put(const std::string& key, const std::string& bytes) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  RETURN_IF_ERROR(EnsureDirectory((root_ / key).parent_path()));
  return WriteFileDurably(root_ / key, bytes);
}

namespace {

Status IoError(const std::string& what, const fs::path& path) {
  return Unavailable("cannot " + what + " " + path.string() + ": " + std::strerror(errno), "storage_unavailable");
}

class FileReader : public BlobReader {
 public:
  FileReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileReader() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  Result<std::string> Read(uint64_t offset, size_t length) override {
    if (offset >= size_) return std::string();
    std::string bytes(static_cast<size_t>(std::min<uint64_t>(length, size_ - offset)), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::pread(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Unavailable(std::string("cannot read a stored object: ") + std::strerror(errno), "storage_unavailable");
      if (n == 0) break;  // shorter than when it was opened
      done += static_cast<size_t>(n);
    }
    bytes.resize(done);
    return bytes;
  }

 private:
  int fd_;
  uint64_t size_;
};

// Writes into a private staging file; Commit fsyncs it and renames it into place.
class FileWriter : public BlobWriter {
 public:
  FileWriter(int fd, fs::path staged, fs::path destination)
      : fd_(fd), staged_(std::move(staged)), destination_(std::move(destination)) {}
  ~FileWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) RemoveQuietly(staged_);
  }
  Status Append(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("write", staged_);
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }
  Status Commit() override {
    if (::fsync(fd_) != 0) return IoError("fsync", staged_);
    ::close(fd_);
    fd_ = -1;
    RETURN_IF_ERROR(EnsureDirectory(destination_.parent_path()));
    RETURN_IF_ERROR(RenameDurably(staged_, destination_));
    committed_ = true;
    return Status::Ok();
  }

 private:
  int fd_;
  fs::path staged_, destination_;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<BlobWriter>> FilesystemBlobStore::Create(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  RETURN_IF_ERROR(EnsureDirectory(staging_));
  fs::path staged = staging_ / ("blob-" + NewId());
  int fd = ::open(staged.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("create", staged);
  return std::unique_ptr<BlobWriter>(std::make_unique<FileWriter>(fd, std::move(staged), root_ / key));
}

Result<std::string> FilesystemBlobStore::Get(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  auto bytes = ReadWholeFile(root_ / key);
  if (!bytes.ok()) return NotFound("object " + key + " does not exist", "blob_not_found");
  return bytes;
}

Result<std::unique_ptr<BlobReader>> FilesystemBlobStore::Open(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  int fd = ::open((root_ / key).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("object " + key + " does not exist", "blob_not_found");
    return IoError("open", root_ / key);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return IoError("stat", root_ / key);
  }
  return std::unique_ptr<BlobReader>(std::make_unique<FileReader>(fd, static_cast<uint64_t>(info.st_size)));
}

Status FilesystemBlobStore::Delete(const std::string& key) {
  RETURN_IF_ERROR(ValidateBlobKey(key));
  RemoveQuietly(root_ / key);
  return Status::Ok();
}

Status FilesystemBlobStore::Check() {
  RETURN_IF_ERROR(EnsureDirectory(root_));
  return WriteFileDurably(root_ / ".health", "ok");
}

}  // namespace reflexio
