// `reflexio bench search DIR…`: what encryption at rest costs search. The reference transcripts
// of speech folders (transcripts.tsv) are stored many times over in two SQLite databases: one
// indexing the plaintext words as the spine did, one as the server now stores them (sealed
// segments, blind-index tokens of stems, snippets built after decrypting). Every word of the
// vocabulary is then searched in both; the command prints latency percentiles and their ratio.
// It reports figures; it never passes or fails on them. With --year it measures a year of one
// person's speech among other tenants instead (app/bench/search_year.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "app/bench/corpus.h"
#include "app/bench/search_year.h"
#include "app/flags.h"
#include "app/speech_folder.h"
#include "core/file_util.h"
#include "core/ids.h"
#include "privacy/sealed_stores.h"
#include "storage/sqlite_database.h"
#include "text/normalize.h"

namespace reflexio {

namespace {

// One transcribed recording per copy, each reference one segment of it.
Status Fill(const Stores& db, const std::string& tenant_id, const std::vector<std::string>& references, int copies,
            bool plaintext_index) {
  TimePoint start = FromUnixSeconds(1795733400.0);
  for (int copy = 0; copy < copies; ++copy) {
    RETURN_IF_ERROR(
        StoreReferenceRecording(db, tenant_id, references, AddSeconds(start, 3600.0 * copy), plaintext_index).status());
  }
  return Status::Ok();
}

struct SearchLatencies : Latencies {
  int64_t hits = 0;
};

}  // namespace

int BenchSearchCommand(const Args& args) {
  std::vector<std::string> dirs;
  int copies = 100, rounds = 3;
  bool year = false;
  YearSearchBenchOptions year_options;
  LifeCorpusOptions& corpus = year_options.corpus;
  po::options_description options("options");
  options.add_options()
      ("dir", po::value(&dirs)->multitoken(), "speech folders whose transcripts.tsv supply the text")
      ("copies", po::value(&copies)->value_name("N"), "store every transcript N times (default 100)")
      ("rounds", po::value(&rounds)->value_name("N"), "search every word N times (default 3)")
      ("year", po::bool_switch(&year), "a year of a heavy user's speech among other tenants instead of copies")
      ("segments", po::value(&corpus.segments)->value_name("N"), "--year: the heavy user's segments (default 460000)")
      ("words", po::value(&corpus.words_per_segment)->value_name("N"), "--year: words per segment on average (default 15)")
      ("tenants", po::value(&corpus.other_tenants)->value_name("N"), "--year: other tenants (default 50)")
      ("tenant-segments", po::value(&corpus.other_segments)->value_name("N"),
       "--year: each other tenant's segments, over a month (default 9500)")
      ("dictionary", po::value(&year_options.dictionary)->value_name("FILE"),
       "--year: word list mixed into Latin-script speech (default /usr/share/dict/words, Debian's wamerican)")
      ("postgres", po::value(&year_options.postgres_admin_url)->value_name("URL"),
       "--year: also measure PostgreSQL; a superuser URL of a cluster the bench may create a database in")
      ("queries", po::value(&year_options.queries_per_kind)->value_name("N"), "--year: queries of each kind (default 200)")
      ("questions", po::value(&year_options.questions)->value_name("N"),
       "--year: segments sought by their own words, for the ranking figure (default 300)");
  po::positional_options_description positional;
  positional.add("dir", -1);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio bench search DIR... [--copies N] [--rounds N]\n"
                         "       reflexio bench search DIR... --year [--segments N] [--tenants N] [--postgres URL] ...\n\n"
                         "Without --year: every transcript stored N times (every word repeated: the worst case), every\n"
                         "word searched with the plaintext index of the spine and with the blind index of encrypted\n"
                         "storage; prints both and their ratio.\n"
                         "With --year: a year of one heavy user's speech (dev sentences among Zipf-distributed words)\n"
                         "and a month of each other tenant in one database, sealed; prints p50/p95/p99 per kind of\n"
                         "query on SQLite (and PostgreSQL with --postgres), store time, sizes and a ranking figure.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (dirs.empty()) return Fail("name speech folders, e.g. reflexio bench search ../shared/data/speech/en", 2);
  if (year) {
    if (year_options.queries_per_kind < 1 || year_options.questions < 0) {
      return Fail("--queries must be at least 1 and --questions at least 0", 2);
    }
    return RunYearSearchBench(dirs, year_options);
  }
  if (copies < 1 || rounds < 1) return Fail("--copies and --rounds must be at least 1", 2);
  auto read = ReadReferenceTexts(dirs);
  if (!read.ok()) return Fail(read.status().message());
  const std::vector<std::string>& references = *read;
  std::set<std::string> vocabulary;
  for (const auto& reference : references) {
    for (const auto& word : NormalizedWords(reference)) vocabulary.insert(word);
  }
  auto scratch_dir = ScratchDirectory::Create("search");
  if (!scratch_dir.ok()) return Fail(scratch_dir.status().message());
  const std::filesystem::path& scratch = scratch_dir->path();

  auto plain = SqliteDatabase::Open(scratch / "plaintext.db", EmbeddedSqliteMigrations());
  auto backend = SqliteDatabase::Open(scratch / "sealed.db", EmbeddedSqliteMigrations());
  if (!plain.ok() || !backend.ok()) return Fail("cannot open the scratch databases");
  auto plain_tenant = (*plain)->EnsureTenant("bench");
  auto sealed_tenant = (*backend)->EnsureTenant("bench");
  if (!plain_tenant.ok() || !sealed_tenant.ok()) return Fail("cannot create the bench tenant");
  Keyring keyring(PlainStores(**backend), MasterKeys{MasterKey::From(NewDataKey())});
  SealedStores sealing(**backend, keyring);
  const Stores& sealed = sealing.stores();
  std::cerr << "storing " << references.size() << " transcripts x " << copies << " copies in each index\n";
  auto started = std::chrono::steady_clock::now();
  Status filled = Fill(PlainStores(**plain), plain_tenant->id, references, copies, true);
  double plain_fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  started = std::chrono::steady_clock::now();
  if (filled.ok()) filled = Fill(sealed, sealed_tenant->id, references, copies, false);
  double sealed_fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!filled.ok()) return Fail(filled.message());

  SearchLatencies plain_latency, sealed_latency;
  auto timed = [](SearchLatencies& into, const std::function<Result<Page<SearchHit>>()>& search) -> Status {
    auto begin = std::chrono::steady_clock::now();
    auto page = search();
    into.Add(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
    if (!page.ok()) return page.status();
    into.hits += static_cast<int64_t>(page->items.size());
    return Status::Ok();
  };
  std::cerr << "searching " << vocabulary.size() << " words x " << rounds << " rounds in each index\n";
  for (int round = 0; round < rounds; ++round) {
    for (const auto& word : vocabulary) {
      Status s = timed(plain_latency, [&] { return (*plain)->Search(plain_tenant->id, {word}, {}, 20, ""); });
      if (s.ok()) s = timed(sealed_latency, [&] { return sealed.transcripts.Search(sealed_tenant->id, {word}, {}, 20, ""); });
      if (!s.ok()) return Fail(word + ": " + s.message());
    }
  }
  size_t segments = references.size() * static_cast<size_t>(copies);
  std::printf("%zu segments (%zu transcripts x %d), %zu distinct query words, %d rounds, 20 hits per page\n", segments,
              references.size(), copies, vocabulary.size(), rounds);
  std::printf("%-28s %9s %9s %9s %11s %9s\n", "index", "p50_ms", "p95_ms", "p99_ms", "hits/query", "store_s");
  double plain_p50 = plain_latency.Percentile(0.5), plain_p95 = plain_latency.Percentile(0.95);
  double sealed_p50 = sealed_latency.Percentile(0.5), sealed_p95 = sealed_latency.Percentile(0.95);
  std::printf("%-28s %9.3f %9.3f %9.3f %11.1f %9.2f\n", "plaintext words (spine)", plain_p50, plain_p95,
              plain_latency.Percentile(0.99), static_cast<double>(plain_latency.hits) / plain_latency.count(),
              plain_fill_s);
  std::printf("%-28s %9.3f %9.3f %9.3f %11.1f %9.2f\n", "sealed + blind index", sealed_p50, sealed_p95,
              sealed_latency.Percentile(0.99), static_cast<double>(sealed_latency.hits) / sealed_latency.count(),
              sealed_fill_s);
  std::printf("ratio sealed/plaintext      p50 %.2fx   p95 %.2fx   storing %.2fx\n", sealed_p50 / plain_p50,
              sealed_p95 / plain_p95, sealed_fill_s / plain_fill_s);
  return 0;
}

}  // namespace reflexio
