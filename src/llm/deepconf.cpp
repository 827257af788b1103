#include "llm/deepconf.h"

#include <algorithm>
#include <numeric>

namespace reflexio {

std::optional<DeepConfScore> ComputeDeepConf(const std::vector<TokenLogprob>& tokens, size_t window, size_t tail) {
  std::vector<double> confidence;
  for (const auto& t : tokens) {
    // An API that returns no candidates gives the written token alone (k = 1).
    const std::vector<double>& candidates = t.top_logprobs.empty() ? std::vector<double>{t.logprob} : t.top_logprobs;
    double sum = std::accumulate(candidates.begin(), candidates.end(), 0.0);
    confidence.push_back(-sum / static_cast<double>(candidates.size()));
  }
  if (confidence.empty()) return std::nullopt;
  DeepConfScore score;
  score.tokens = confidence.size();
  score.window = std::clamp<size_t>(window, 1, confidence.size());
  std::vector<double> groups;
  double running = std::accumulate(confidence.begin(), confidence.begin() + static_cast<long>(score.window), 0.0);
  groups.push_back(running / static_cast<double>(score.window));
  for (size_t end = score.window; end < confidence.size(); ++end) {
    running += confidence[end] - confidence[end - score.window];
    groups.push_back(running / static_cast<double>(score.window));
  }
  score.lowest_group = *std::min_element(groups.begin(), groups.end());
  std::vector<double> sorted = groups;
  std::sort(sorted.begin(), sorted.end());
  size_t bottom = std::max<size_t>(1, sorted.size() / 10);
  score.bottom_10_percent = std::accumulate(sorted.begin(), sorted.begin() + static_cast<long>(bottom), 0.0) /
                            static_cast<double>(bottom);
  size_t tail_n = std::clamp<size_t>(tail, 1, confidence.size());
  score.tail = std::accumulate(confidence.end() - static_cast<long>(tail_n), confidence.end(), 0.0) /
               static_cast<double>(tail_n);
  score.mean_token = std::accumulate(confidence.begin(), confidence.end(), 0.0) / static_cast<double>(confidence.size());
  return score;
}

}  // namespace reflexio
