// Benchmarks store reference transcripts as if they had been recognised: one recording whose
// segments are the given texts (8 s each, 10 s apart, words evenly timed at confidence 0.9),
// captured at `captured_at`. With `plaintext_index`, the segments' index terms are their
// normalised words (as a backend without the encryption wrapper would index them).
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "app/app_context.h"
#include "core/time.h"
#include "storage/database.h"

namespace reflexio {

// The non-empty reference transcripts of speech folders (transcripts.tsv), in folder order;
// kNotFound when there are none.
Result<std::vector<std::string>> ReadReferenceTexts(const std::vector<std::string>& dirs);

// The median wall time of `rounds` runs, in milliseconds.
template <typename F>
double MedianMs(int rounds, F&& run) {
  std::vector<double> ms;
  for (int i = 0; i < rounds; ++i) {
    auto begin = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Latencies of one kind of operation, in milliseconds.
class Latencies {
 public:
  void Add(double ms) { ms_.push_back(ms); }
  size_t count() const { return ms_.size(); }
  // The value below which a fraction p of them lie (p in [0, 1]); 0 when there are none.
  double Percentile(double p) {
    std::sort(ms_.begin(), ms_.end());
    return ms_.empty() ? 0 : ms_[std::min(ms_.size() - 1, static_cast<size_t>(p * ms_.size()))];
  }
  double Max() const { return ms_.empty() ? 0 : *std::max_element(ms_.begin(), ms_.end()); }

 private:
  std::vector<double> ms_;
};

// A benchmark's own time, set by hand as it moves through the days it simulates.
class BenchClock : public Clock {
 public:
  explicit BenchClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override { return now_; }
  void Set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

// A scratch directory under the system temp dir for one benchmark run, removed with everything in
// it when the run ends.
class ScratchDirectory {
 public:
  static Result<ScratchDirectory> Create(const std::string& purpose);
  ScratchDirectory(ScratchDirectory&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ~ScratchDirectory();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// Processor time so far of this process's threads (RUSAGE_SELF), or of the programs it ran and
// waited for (RUSAGE_CHILDREN), in seconds.
double CpuSeconds(int who = RUSAGE_SELF);

// An embedded server's data in a scratch directory, for the benchmarks that serve HTTP: a
// Config for 127.0.0.1 on a free port, logging warnings only; its data directory prepared and
// its storage open; a "bench" tenant whose new API key is `key`. Members go in reverse order,
// the scratch directory last.
struct BenchServerData {
  ScratchDirectory scratch;
  Config config;
  Storage storage;
  std::string key;
};
Result<BenchServerData> OpenBenchServerData(const std::string& purpose);

Result<std::string> StoreReferenceRecording(const Stores& stores, const std::string& tenant_id,
                                            const std::vector<std::string>& texts, TimePoint captured_at,
                                            bool plaintext_index = false);

}  // namespace reflexio
