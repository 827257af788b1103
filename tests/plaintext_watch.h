// Test only: watches every file created or written under some directories while servers run, and
// reports any that held plaintext audio — a byte sequence of an uploaded body or of its decoded
// samples, or the signature of an audio container (WAV, FLAC, Ogg/Opus, MP3's ID3, WebM, MP4).
//
// With the right to use fanotify (root, as in CI), every write and close-after-write under the
// roots comes with a descriptor of the file itself, so even a file removed the moment it was
// written is read: nothing escapes. Without it, inotify watches each directory (and each new one
// as it appears) and every new file is opened at once and the descriptor kept — a file that
// lives more than a moment is still read after it is removed. Either way a file is scanned when
// it is closed after writing, at most every 50 ms while it is being written (so content later
// overwritten is caught too), and once more when the watch stops, together with every file then
// present. One thread reads the events; Stop joins it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace reflexio::testing {

// Byte sequences that must never be found on disk: every 32-byte window (at a 16-byte stride) of
// the bytes added, so any copy of 48 bytes or more in a row is found. Windows with few distinct
// bytes (silence, padding) are left out: they also occur by chance in files that hold no audio.
class SecretBytes {
 public:
  void Add(const std::string& name, std::string bytes);
  // "<name> at byte N" for the first window of `data` that is a window of a secret.
  std::optional<std::string> FindIn(std::string_view data) const;
  size_t windows() const { return windows_.size(); }

 private:
  struct Window {
    size_t secret;
    size_t offset;
  };
  std::vector<std::pair<std::string, std::string>> secrets_;
  std::unordered_multimap<uint64_t, Window> windows_;
};

// The signature of an audio container in the clear, if `data` holds one.
std::optional<std::string> FindContainerSignature(std::string_view data);

class PlaintextWatch {
 public:
  enum class Watcher { kBest, kInotifyOnly };
  PlaintextWatch(std::vector<std::filesystem::path> roots, const SecretBytes& secrets, Watcher watcher = Watcher::kBest);
  // fanotify (every file, however short-lived) rather than inotify (files that live a moment).
  bool sees_every_file() const { return fanotify_ >= 0; }
  ~PlaintextWatch();
  PlaintextWatch(const PlaintextWatch&) = delete;
  PlaintextWatch& operator=(const PlaintextWatch&) = delete;

  struct Report {
    size_t files_seen = 0;  // files created while watching, or present at the end
    size_t scans = 0;
    std::set<std::string> directories_written;  // parents of the files seen, relative to a root
    std::vector<std::string> findings;           // "path: what", one per file
  };
  Report Stop();

 private:
  struct File {
    int fd = -1;
    std::string path;
    std::chrono::steady_clock::time_point last_scan{};
    bool reported = false;
  };
  void Run();
  void AddDirectory(const std::filesystem::path& dir);
  // Adopts `fd` (an open descriptor of the file at `path`); returns the file, or null when it is
  // not a regular file under a root.
  File* Track(int fd, const std::filesystem::path& path);
  File* TrackPath(const std::filesystem::path& path);
  void Written(File* file, bool closed);
  void Scan(File& file);
  void HandleInotifyEvents();
  void HandleFanotifyEvents();

  std::vector<std::filesystem::path> roots_;
  const SecretBytes& secrets_;
  int fanotify_ = -1, inotify_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::map<int, std::filesystem::path> watched_;               // watch descriptor → directory
  std::map<std::pair<uint64_t, uint64_t>, File> files_;        // (device, inode) → file
  Report report_;
};

}  // namespace reflexio::testing
