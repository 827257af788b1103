// RetryBackoff: how long a listener waits before trying the server again after a failure — an
// exponential backoff with jitter, base · 2^(failures−1), at most `max_s`, times 0.5–1; or what the
// server asked for (Retry-After), capped the same. Succeeded() starts the count again.
// Thread-compatible: the one thread that talks to the server owns it.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <random>

namespace reflexio {

class RetryBackoff {
 public:
  // `random01`: a number in [0, 1) for the jitter; a random one unless a test pins it.
  RetryBackoff(double base_s, double max_s, std::function<double()> random01 = nullptr)
      : base_s_(base_s), max_s_(max_s), random01_(std::move(random01)) {
    if (!random01_) {
      auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
      random01_ = [engine] { return std::uniform_real_distribution<double>(0, 1)(*engine); };
    }
  }

  double Failed(std::optional<double> asked_s = std::nullopt) {
    ++failures_;
    if (asked_s) return std::min(*asked_s, max_s_);
    double full = std::min(max_s_, base_s_ * std::pow(2.0, std::min(failures_ - 1, 30)));
    return full * (0.5 + 0.5 * random01_());
  }
  void Succeeded() { failures_ = 0; }
  double max_s() const { return max_s_; }

 private:
  double base_s_, max_s_;
  std::function<double()> random01_;
  int failures_ = 0;  // in a row
};

}  // namespace reflexio
