// FileLock: an exclusive flock(2) on a file, held for as long as the object lives. The kernel
// drops it when the process dies, so a crash never leaves a stale lock behind. flock locks
// belong to an open file, so a second FileLock on the same path fails even in this process.
//
// Move-only; one object is not to be shared between threads.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace reflexio {

class FileLock {
 public:
  // Creates the file if needed (mode 0600). Ok(nullopt) when someone else holds the lock.
  static Result<std::optional<FileLock>> TryAcquire(const std::string& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  const std::string& path() const { return path_; }

 private:
  FileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void Release();

  std::string path_;
  int fd_ = -1;
};

}  // namespace reflexio
