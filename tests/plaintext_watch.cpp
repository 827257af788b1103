#include "plaintext_watch.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bitset>
#include <stdexcept>

namespace reflexio::testing {

namespace fs = std::filesystem;

namespace {

constexpr size_t kWindow = 32, kStride = 16, kMinDistinct = 12;
constexpr uint64_t kBase = 0x100000001b3ull;

uint64_t Power(size_t n) {
  uint64_t p = 1;
  for (size_t i = 0; i < n; ++i) p *= kBase;
  return p;
}

uint64_t HashOf(std::string_view window) {
  uint64_t h = 0;
  for (unsigned char c : window) h = h * kBase + c;
  return h;
}

bool Varied(std::string_view window) {
  std::bitset<256> seen;
  for (unsigned char c : window) seen.set(c);
  return seen.count() >= kMinDistinct;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[1 << 16];
  off_t at = 0;
  while (true) {
    ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  return out;
}

}  // namespace

void SecretBytes::Add(const std::string& name, std::string bytes) {
  size_t index = secrets_.size();
  secrets_.emplace_back(name, std::move(bytes));
  std::string_view all = secrets_.back().second;
  for (size_t at = 0; at + kWindow <= all.size(); at += kStride) {
    std::string_view window = all.substr(at, kWindow);
    if (Varied(window)) windows_.emplace(HashOf(window), Window{index, at});
  }
}

std::optional<std::string> SecretBytes::FindIn(std::string_view data) const {
  if (data.size() < kWindow || windows_.empty()) return std::nullopt;
  static const uint64_t kTop = Power(kWindow - 1);
  uint64_t h = HashOf(data.substr(0, kWindow));
  for (size_t at = 0;; ++at) {
    auto [begin, end] = windows_.equal_range(h);
    for (auto it = begin; it != end; ++it) {
      const std::string& secret = secrets_[it->second.secret].second;
      if (data.substr(at, kWindow) == std::string_view(secret).substr(it->second.offset, kWindow)) {
        return secrets_[it->second.secret].first + " (its byte " + std::to_string(it->second.offset) + ") at byte " +
               std::to_string(at);
      }
    }
    if (at + kWindow >= data.size()) return std::nullopt;
    h = (h - static_cast<unsigned char>(data[at]) * kTop) * kBase + static_cast<unsigned char>(data[at + kWindow]);
  }
}

std::optional<std::string> FindContainerSignature(std::string_view data) {
  // Long enough that random bytes (ciphertext) do not hold them by chance.
  static const std::pair<std::string, std::string> kSignatures[] = {
      {"WAV", "WAVEfmt "},
      {"FLAC", std::string("fLaC\0\0\0\x22", 8)},
      {"Ogg", std::string("OggS\0\x02", 6)},
      {"Opus", "OpusHead"},
      {"MP3 (ID3v2.3)", std::string("ID3\x03\0", 5) + '\0'},
      {"MP3 (ID3v2.4)", std::string("ID3\x04\0", 5) + '\0'},
      {"WebM", "\x42\x82\x84webm"},
      {"MP4", "ftypM4A "},
      {"MP4", "ftypisom"},
      {"MP4", "ftypmp42"},
  };
  for (const auto& [format, signature] : kSignatures) {
    size_t at = data.find(signature);
    if (at != std::string_view::npos) return format + " signature at byte " + std::to_string(at);
  }
  return std::nullopt;
}

PlaintextWatch::PlaintextWatch(std::vector<fs::path> roots, const SecretBytes& secrets, Watcher watcher)
    : roots_(std::move(roots)), secrets_(secrets) {
  for (const auto& root : roots_) fs::create_directories(root);
  if (watcher == Watcher::kBest) fanotify_ = ::fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);
  for (const auto& root : roots_) {
    if (fanotify_ < 0) break;
    constexpr uint64_t kEvents = FAN_MODIFY | FAN_CLOSE_WRITE;
    if (::fanotify_mark(fanotify_, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, kEvents, AT_FDCWD, root.c_str()) != 0 &&
        ::fanotify_mark(fanotify_, FAN_MARK_ADD | FAN_MARK_MOUNT, kEvents, AT_FDCWD, root.c_str()) != 0) {
      ::close(fanotify_);
      fanotify_ = -1;
    }
  }
  if (fanotify_ < 0) {
    inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_ < 0) throw std::runtime_error("neither fanotify nor inotify is available");
    for (const auto& root : roots_) AddDirectory(root);
  }
  thread_ = std::thread([this] { Run(); });
}

PlaintextWatch::~PlaintextWatch() {
  if (thread_.joinable()) Stop();
}

void PlaintextWatch::AddDirectory(const fs::path& dir) {
  constexpr uint32_t kMask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR;
  int wd = ::inotify_add_watch(inotify_, dir.c_str(), kMask);
  if (wd < 0) return;  // gone already
  watched_[wd] = dir;
  // What was created before the watch took hold.
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) {
      if (!std::any_of(watched_.begin(), watched_.end(), [&](const auto& w) { return w.second == it->path(); })) {
        AddDirectory(it->path());
      }
    } else {
      TrackPath(it->path());
    }
  }
}

PlaintextWatch::File* PlaintextWatch::TrackPath(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  return fd < 0 ? nullptr : Track(fd, path);
}

PlaintextWatch::File* PlaintextWatch::Track(int fd, const fs::path& path) {
  std::string relative_dir;
  bool under_root = false;
  for (const auto& root : roots_) {
    auto relative = path.lexically_relative(root);
    if (!relative.empty() && *relative.begin() != "..") {
      under_root = true;
      relative_dir = relative.parent_path().string();
    }
  }
  struct stat info {};
  if (!under_root || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return nullptr;
  }
  auto [it, added] = files_.try_emplace({info.st_dev, info.st_ino});
  if (!added) {
    ::close(fd);
  } else {
    it->second.fd = fd;
    report_.directories_written.insert(relative_dir);
  }
  it->second.path = path.string();  // the newest name (a staged file renamed into place)
  return &it->second;
}

void PlaintextWatch::Written(File* file, bool closed) {
  if (file == nullptr) return;
  bool due = std::chrono::steady_clock::now() - file->last_scan > std::chrono::milliseconds(50);
  if (closed || due) Scan(*file);
}

void PlaintextWatch::Scan(File& file) {
  file.last_scan = std::chrono::steady_clock::now();
  ++report_.scans;
  if (file.reported) return;
  std::string bytes = ReadAll(file.fd);
  std::optional<std::string> found = FindContainerSignature(bytes);
  if (!found) found = secrets_.FindIn(bytes);
  if (found) {
    report_.findings.push_back(file.path + ": " + *found);
    file.reported = true;
  }
}

void PlaintextWatch::HandleFanotifyEvents() {
  alignas(fanotify_event_metadata) char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fanotify_, buf, sizeof buf);
    if (n <= 0) return;
    auto* event = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(event, n); event = FAN_EVENT_NEXT(event, n)) {
      if (event->vers != FANOTIFY_METADATA_VERSION || event->fd < 0) continue;
      char link[PATH_MAX];
      ssize_t length = ::readlink(("/proc/self/fd/" + std::to_string(event->fd)).c_str(), link, sizeof link - 1);
      std::string path = length > 0 ? std::string(link, static_cast<size_t>(length)) : "";
      constexpr std::string_view kDeleted = " (deleted)";
      if (path.size() > kDeleted.size() && path.compare(path.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0) {
        path.resize(path.size() - kDeleted.size());
      }
      Written(Track(event->fd, path), event->mask & FAN_CLOSE_WRITE);
    }
  }
}

void PlaintextWatch::HandleInotifyEvents() {
  alignas(inotify_event) char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(inotify_, buf, sizeof buf);
    if (n <= 0) return;
    for (char* p = buf; p < buf + n;) {
      auto* event = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      auto dir = watched_.find(event->wd);
      if (dir == watched_.end() || event->len == 0) continue;
      fs::path path = dir->second / event->name;
      if (event->mask & IN_ISDIR) {
        if (event->mask & (IN_CREATE | IN_MOVED_TO)) AddDirectory(path);
        continue;
      }
      File* file = nullptr;
      for (auto& [id, known] : files_) {
        if (known.path == path.string()) file = &known;
      }
      if (file == nullptr) file = TrackPath(path);
      if (event->mask & (IN_MODIFY | IN_CLOSE_WRITE)) Written(file, event->mask & IN_CLOSE_WRITE);
    }
  }
}

void PlaintextWatch::Run() {
  int fd = fanotify_ >= 0 ? fanotify_ : inotify_;
  auto handle = [&] { fanotify_ >= 0 ? HandleFanotifyEvents() : HandleInotifyEvents(); };
  while (!stop_) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) handle();
  }
  handle();
}

PlaintextWatch::Report PlaintextWatch::Stop() {
  stop_ = true;
  thread_.join();
  for (const auto& root : roots_) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec)) TrackPath(it->path());
    }
  }
  for (auto& [id, file] : files_) {
    Scan(file);
    ::close(file.fd);
  }
  report_.files_seen = files_.size();
  files_.clear();
  ::close(fanotify_ >= 0 ? fanotify_ : inotify_);
  return report_;
}

}  // namespace reflexio::testing
