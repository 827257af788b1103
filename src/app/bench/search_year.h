// `reflexio bench search --year`: search over a year of a heavy user's speech with other tenants
// in the same database (app/bench/life_corpus.h), sealed as the server stores it, on SQLite and —
// given a PostgreSQL cluster — on PostgreSQL. Prints p50/p95/p99 per kind of query, the time to
// store and the size of the database and its search index, and how often a segment sought by a
// few of its own words is on the first page. It reports figures; it never passes or fails on them.
#pragma once

#include <string>
#include <vector>

#include "app/bench/life_corpus.h"

namespace reflexio {

struct YearSearchBenchOptions {
  LifeCorpusOptions corpus;
  std::string dictionary = "/usr/share/dict/words";
  std::string postgres_admin_url;  // empty: SQLite only
  int queries_per_kind = 200;
  int questions = 300;             // known-item questions for the ranking figure
};

// `dirs`: speech folders, one language each. Returns the process exit code.
int RunYearSearchBench(const std::vector<std::string>& dirs, const YearSearchBenchOptions& options);

}  // namespace reflexio
