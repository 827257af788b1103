// DeepConf (Fu et al., "Deep Think with Confidence", 2025): how sure a model was of what it
// wrote, from the log-probabilities of its tokens.
//
// Token confidence C_i = −(1/k) Σ_j log P_i(j) over the k most likely candidates at position i
// (a peaked distribution gives a large value). Group confidence is the mean token confidence
// over a sliding window of `window` tokens; the answer's confidence is that of its lowest
// group — a single stretch where the model hesitated sinks it — alongside the mean of the
// lowest 10 % of groups and the confidence of the last `tail` tokens. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace reflexio {

struct TokenLogprob {
  std::string token;
  double logprob = 0;                // of the token written
  std::vector<double> top_logprobs;  // of the k most likely candidates (the written one among them)
};

struct DeepConfScore {
  size_t tokens = 0;
  size_t window = 0;          // as used (shrunk to the answer's length)
  double lowest_group = 0;    // the answer's confidence
  double bottom_10_percent = 0;
  double tail = 0;
  double mean_token = 0;
};

// Nothing when there are no tokens with candidates to measure.
std::optional<DeepConfScore> ComputeDeepConf(const std::vector<TokenLogprob>& tokens, size_t window = 16,
                                             size_t tail = 16);

}  // namespace reflexio
