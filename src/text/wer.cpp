#include "text/wer.h"

#include <vector>

#include "text/normalize.h"

namespace reflexio {

WordErrors& WordErrors::operator+=(const WordErrors& other) {
  substitutions += other.substitutions;
  deletions += other.deletions;
  insertions += other.insertions;
  reference_words += other.reference_words;
  return *this;
}

WordErrors ScoreWords(std::string_view reference, std::string_view hypothesis) {
  auto ref = NormalizedWords(reference);
  auto hyp = NormalizedWords(hypothesis);
  const size_t n = ref.size(), m = hyp.size();
  struct Cell { int cost, sub, del, ins; };
  std::vector<std::vector<Cell>> d(n + 1, std::vector<Cell>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = {int(i), 0, int(i), 0};
  for (size_t j = 0; j <= m; ++j) d[0][j] = {int(j), 0, 0, int(j)};
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      Cell best = d[i - 1][j - 1];
      if (ref[i - 1] != hyp[j - 1]) { best.cost++; best.sub++; }
      Cell del = d[i - 1][j];
      del.cost++; del.del++;
      Cell ins = d[i][j - 1];
      ins.cost++; ins.ins++;
      if (del.cost < best.cost) best = del;
      if (ins.cost < best.cost) best = ins;
      d[i][j] = best;
    }
  }
  WordErrors errors;
  errors.substitutions = d[n][m].sub;
  errors.deletions = d[n][m].del;
  errors.insertions = d[n][m].ins;
  errors.reference_words = static_cast<int>(n);
  return errors;
}

}  // namespace reflexio
