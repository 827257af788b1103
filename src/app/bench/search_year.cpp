#include "app/bench/search_year.h"

#include <pqxx/pqxx>

#include <chrono>
#include <functional>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <set>
#include <unistd.h>

#include "app/bench/corpus.h"
#include "app/commands.h"
#include "privacy/sealed_stores.h"
#include "storage/postgres_database.h"
#include "storage/postgres_scratch.h"
#include "storage/sqlite.h"
#include "storage/sqlite_database.h"
#include "text/normalize.h"

namespace reflexio {

namespace {

constexpr int kPageSize = 20;
constexpr size_t kCommonWords = 50;  // the most frequent words: what "frequent" queries use and questions avoid

struct QueryCase {
  std::string kind;
  std::vector<std::string> words;
  TimeRange range;
  int page = 1;  // the page timed; the ones before it are read untimed
};

// A segment sought by a few of its own words, to see whether ranking puts it on the first page.
struct Question {
  size_t recording = 0;  // index into the heavy user's recordings
  int seq = 0;
  std::vector<std::string> words;
};

class Planner {
 public:
  explicit Planner(const LifeCorpus& corpus) : corpus_(corpus), rng_(7) {
    for (const auto& [word, count] : corpus.document_frequency()) {
      if (count <= 20) rare_.push_back(word);
    }
  }

  std::vector<QueryCase> Queries(int per_kind) {
    std::vector<QueryCase> cases;
    const auto& by_frequency = corpus_.words_by_frequency();
    size_t common = std::min(kCommonWords, by_frequency.size());
    for (int i = 0; i < per_kind; ++i) {
      cases.push_back({"1 word, frequent", {by_frequency[Index(common)]}, {}, 1});
      if (!rare_.empty()) cases.push_back({"1 word, rare", {rare_[Index(rare_.size())]}, {}, 1});
      cases.push_back({"2 words", SegmentWords(2), {}, 1});
      cases.push_back({"3 words", SegmentWords(3), {}, 1});
      cases.push_back({"phrase (4 words)", Phrase(4), {}, 1});
      TimePoint from = AddSeconds(corpus_.year_start(), 86400.0 * static_cast<double>(Index(335)));
      cases.push_back({"1 word + a month", SegmentWords(1), {from, AddSeconds(from, 30 * 86400.0)}, 1});
      cases.push_back({"page 10, frequent word", {by_frequency[Index(common)]}, {}, 10});
    }
    return cases;
  }

  // Drawn with a generator of their own, so the questions do not depend on how many queries ran.
  std::vector<Question> Questions(int count) {
    std::mt19937_64 rng(11);
    std::vector<Question> questions;
    const auto& recordings = corpus_.heavy_user().recordings;
    const auto& by_frequency = corpus_.words_by_frequency();
    std::set<std::string> common(by_frequency.begin(),
                                 by_frequency.begin() + static_cast<std::ptrdiff_t>(std::min(kCommonWords, by_frequency.size())));
    while (static_cast<int>(questions.size()) < count) {
      Question q{Index(recordings.size(), rng), 0, {}};
      q.seq = static_cast<int>(Index(recordings[q.recording].texts.size(), rng));
      std::vector<std::string> candidates;
      for (auto& word : NormalizedWords(recordings[q.recording].texts[static_cast<size_t>(q.seq)])) {
        if (!common.count(word) && std::find(candidates.begin(), candidates.end(), word) == candidates.end()) {
          candidates.push_back(word);
        }
      }
      size_t wanted = 2 + questions.size() % 2;
      if (candidates.size() < wanted) continue;
      std::shuffle(candidates.begin(), candidates.end(), rng);
      q.words.assign(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(wanted));
      questions.push_back(std::move(q));
    }
    return questions;
  }

 private:
  size_t Index(size_t size) { return Index(size, rng_); }
  static size_t Index(size_t size, std::mt19937_64& rng) { return std::uniform_int_distribution<size_t>(0, size - 1)(rng); }

  // `n` distinct words of one of the heavy user's segments.
  std::vector<std::string> SegmentWords(size_t n) {
    const auto& recordings = corpus_.heavy_user().recordings;
    while (true) {
      const auto& recording = recordings[Index(recordings.size())];
      auto words = NormalizedWords(recording.texts[Index(recording.texts.size())]);
      std::sort(words.begin(), words.end());
      words.erase(std::unique(words.begin(), words.end()), words.end());
      if (words.size() < n) continue;
      std::shuffle(words.begin(), words.end(), rng_);
      words.resize(n);
      return words;
    }
  }

  std::vector<std::string> Phrase(size_t n) {
    while (true) {
      const auto& sentence = corpus_.sentences()[Index(corpus_.sentences().size())];
      if (sentence.size() < n) continue;
      size_t begin = Index(sentence.size() - n + 1);
      return {sentence.begin() + static_cast<std::ptrdiff_t>(begin),
              sentence.begin() + static_cast<std::ptrdiff_t>(begin + n)};
    }
  }

  const LifeCorpus& corpus_;
  std::mt19937_64 rng_;
  std::vector<std::string> rare_;
};

struct KindFigures {
  Latencies latency;
  int64_t hits = 0;
};

struct BackendFigures {
  std::string name;
  double store_s = 0;
  double database_mb = 0, index_mb = 0;
  std::vector<std::pair<std::string, KindFigures>> kinds;  // in the order first met
  int found = 0, asked = 0;

  KindFigures& Kind(const std::string& kind) {
    for (auto& [name, figures] : kinds) {
      if (name == kind) return figures;
    }
    return kinds.emplace_back(kind, KindFigures{}).second;
  }
};

// Stores the corpus sealed; returns the heavy user's tenant id and recording ids.
Result<std::pair<std::string, std::vector<std::string>>> Store(const Stores& sealed, const LifeCorpus& corpus) {
  std::string heavy_tenant;
  std::vector<std::string> heavy_recordings;
  int64_t total = corpus.total_segments(), stored = 0, next_report = total / 10;
  for (size_t t = 0; t < corpus.tenants().size(); ++t) {
    ASSIGN_OR_RETURN(auto tenant, sealed.tenants.EnsureTenant("bench-" + std::to_string(t)));
    if (t == 0) heavy_tenant = tenant.id;
    for (const auto& recording : corpus.tenants()[t].recordings) {
      ASSIGN_OR_RETURN(std::string id, StoreReferenceRecording(sealed, tenant.id, recording.texts, recording.captured_at));
      if (t == 0) heavy_recordings.push_back(id);
      stored += static_cast<int64_t>(recording.texts.size());
      if (stored >= next_report) {
        std::cerr << "  stored " << stored << " of " << total << " segments\n";
        next_report += total / 10;
      }
    }
  }
  return std::make_pair(heavy_tenant, heavy_recordings);
}

Status Measure(TranscriptStore& transcripts, const std::string& tenant, const std::vector<QueryCase>& cases,
               BackendFigures& figures) {
  for (const auto& c : cases) {
    std::string cursor;
    bool reached = true;
    for (int page = 1; page < c.page && reached; ++page) {
      ASSIGN_OR_RETURN(auto before, transcripts.Search(tenant, c.words, c.range, kPageSize, cursor));
      reached = before.next_cursor.has_value();
      cursor = before.next_cursor.value_or("");
    }
    if (!reached) continue;  // fewer pages than asked: nothing to time
    auto begin = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(auto page, transcripts.Search(tenant, c.words, c.range, kPageSize, cursor));
    KindFigures& kind = figures.Kind(c.kind);
    kind.latency.Add(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
    kind.hits += static_cast<int64_t>(page.items.size());
  }
  return Status::Ok();
}

Status AskQuestions(TranscriptStore& transcripts, const std::string& tenant, const std::vector<std::string>& recordings,
                    const std::vector<Question>& questions, BackendFigures& figures) {
  for (const auto& q : questions) {
    ASSIGN_OR_RETURN(auto page, transcripts.Search(tenant, q.words, {}, kPageSize, ""));
    ++figures.asked;
    for (const auto& hit : page.items) {
      if (hit.recording_id == recordings[q.recording] && hit.segment.seq == q.seq) {
        ++figures.found;
        break;
      }
    }
  }
  return Status::Ok();
}

// Stores, lets the backend `settle` (and read its sizes), then measures.
Status RunOn(Database& backend, const LifeCorpus& corpus, const std::vector<QueryCase>& cases,
             const std::vector<Question>& questions, BackendFigures& figures, const std::function<Status()>& settle) {
  Keyring keyring(PlainStores(backend), MasterKeys{MasterKey::From(NewDataKey())});
  SealedStores sealing(backend, keyring);
  std::cerr << figures.name << ": storing " << corpus.total_segments() << " segments of " << corpus.tenants().size()
            << " tenants\n";
  auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(auto stored, Store(sealing.stores(), corpus));
  figures.store_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RETURN_IF_ERROR(settle());
  ::sync();  // timed once the stored year is on disk, not while the kernel still writes it out
  std::cerr << figures.name << ": " << cases.size() << " queries, " << questions.size() << " questions\n";
  RETURN_IF_ERROR(Measure(sealing.stores().transcripts, stored.first, cases, figures));
  return AskQuestions(sealing.stores().transcripts, stored.first, stored.second, questions, figures);
}

Status RunSqlite(const std::filesystem::path& scratch, const LifeCorpus& corpus, const std::vector<QueryCase>& cases,
                 const std::vector<Question>& questions, BackendFigures& figures) {
  std::filesystem::path path = scratch / "year.db";
  ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open(path.string(), EmbeddedSqliteMigrations()));
  return RunOn(*db, corpus, cases, questions, figures, [&]() -> Status {
    ASSIGN_OR_RETURN(auto sizes, SqliteConnection::Open(path.string()));
    RETURN_IF_ERROR(sizes->Execute("PRAGMA wal_checkpoint(TRUNCATE)"));
    ASSIGN_OR_RETURN(auto index, sizes->Prepare("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'segments_fts%'"));
    ASSIGN_OR_RETURN(bool row, index.Step());
    if (row) figures.index_mb = static_cast<double>(index.ColumnInt(0)) / 1e6;
    figures.database_mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    return Status::Ok();
  });
}

Status RunPostgres(const std::string& admin_url, const LifeCorpus& corpus, const std::vector<QueryCase>& cases,
                   const std::vector<Question>& questions, BackendFigures& figures) {
  ASSIGN_OR_RETURN(auto scratch, ScratchPostgresDatabase::Create(admin_url, "reflexio_bench_"));
  ASSIGN_OR_RETURN(auto db, PostgresDatabase::Open(scratch.app_url(), 2, EmbeddedPostgresMigrations()));
  return RunOn(*db, corpus, cases, questions, figures, [&]() -> Status {
    try {  // measured as a server that has run a while would be: statistics gathered, visibility map
           // set, and not still writing out the year just stored
      pqxx::connection owner(scratch.owner_url());
      pqxx::nontransaction tx(owner);
      tx.exec("VACUUM ANALYZE");
      tx.exec("CHECKPOINT");
      auto sizes = tx.exec("SELECT pg_database_size(current_database()), "
                           "pg_total_relation_size('segment_terms') + pg_relation_size('segments_search_key')");
      figures.database_mb = sizes[0][0].as<double>() / 1e6;
      figures.index_mb = sizes[0][1].as<double>() / 1e6;
      return Status::Ok();
    } catch (const std::exception& e) {
      return Unavailable(std::string("PostgreSQL: ") + e.what());
    }
  });
}

// By value: percentiles sort the latencies.
void Print(const LifeCorpus& corpus, std::vector<BackendFigures> backends) {
  std::printf("%lld segments, %lld words: one heavy user's year (%zu recordings) and %zu other tenants' month\n",
              static_cast<long long>(corpus.total_segments()), static_cast<long long>(corpus.total_words()),
              corpus.heavy_user().recordings.size(), corpus.tenants().size() - 1);
  std::printf("%-10s %-24s %9s %9s %9s %9s %11s\n", "backend", "query (heavy user)", "queries", "p50_ms", "p95_ms",
              "p99_ms", "hits/query");
  for (auto& backend : backends) {
    for (auto& [kind, figures] : backend.kinds) {
      std::printf("%-10s %-24s %9zu %9.2f %9.2f %9.2f %11.1f\n", backend.name.c_str(), kind.c_str(),
                  figures.latency.count(), figures.latency.Percentile(0.5), figures.latency.Percentile(0.95),
                  figures.latency.Percentile(0.99),
                  static_cast<double>(figures.hits) / static_cast<double>(std::max<size_t>(1, figures.latency.count())));
    }
  }
  std::printf("%-10s %9s %12s %12s %26s\n", "backend", "store_s", "database_MB", "index_MB", "sought segment on page 1");
  for (const auto& backend : backends) {
    std::printf("%-10s %9.1f %12.1f %12.1f %14d of %d (%.1f%%)\n", backend.name.c_str(), backend.store_s,
                backend.database_mb, backend.index_mb, backend.found, backend.asked,
                100.0 * backend.found / std::max(1, backend.asked));
  }
}

}  // namespace

int RunYearSearchBench(const std::vector<std::string>& dirs, const YearSearchBenchOptions& options) {
  std::vector<std::vector<std::string>> languages;
  for (const auto& dir : dirs) {
    auto texts = ReadReferenceTexts({dir});
    if (!texts.ok()) return Fail(dir + ": " + texts.status().message());
    languages.push_back(std::move(texts).value());
  }
  auto dictionary = ReadDictionary(options.dictionary);
  if (!dictionary.ok()) return Fail(dictionary.status().message());
  std::cerr << "building the corpus\n";
  auto corpus = LifeCorpus::Build(languages, *dictionary, options.corpus);
  if (!corpus.ok()) return Fail(corpus.status().message());
  Planner planner(*corpus);
  std::vector<QueryCase> cases = planner.Queries(options.queries_per_kind);
  std::vector<Question> questions = planner.Questions(options.questions);
  auto scratch = ScratchDirectory::Create("search-year");
  if (!scratch.ok()) return Fail(scratch.status().message());

  std::vector<BackendFigures> backends(1);
  backends[0].name = "sqlite";
  if (Status s = RunSqlite(scratch->path(), *corpus, cases, questions, backends[0]); !s.ok()) {
    return Fail("sqlite: " + s.message());
  }
  if (!options.postgres_admin_url.empty()) {
    backends.emplace_back().name = "postgres";
    if (Status s = RunPostgres(options.postgres_admin_url, *corpus, cases, questions, backends[1]); !s.ok()) {
      return Fail("postgres: " + s.message());
    }
  }
  Print(*corpus, backends);
  return 0;
}

}  // namespace reflexio
