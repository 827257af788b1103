// `reflexio bench digest DIR… [--hours H]`: what building a heavy day's digest costs. The
// reference transcripts of speech folders are recorded across one day until they add up to H
// hours of speech (default 2; each segment counts 8 s, as StoreReferenceRecording times them),
// in conversations of a few utterances every ten minutes, understood on the embedded provider in
// a scratch encrypted SQLite store; then the digest is built as JSON, rendered as Markdown and as
// PDF, several times each, and the command prints the time per format and the sizes. It reports
// figures; it never passes or fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/bench/corpus.h"
#include "app/flags.h"
#include "app/speech_folder.h"
#include "core/ids.h"
#include "core/local_time.h"
#include "crypto/keys.h"
#include "digest/builder.h"
#include "digest/markdown.h"
#include "digest/pdf.h"
#include "llm/embedded_provider.h"
#include "understanding/episodes.h"
#include "privacy/sealed_stores.h"
#include "storage/sqlite_database.h"
#include "understanding/enricher.h"

namespace reflexio {

int BenchDigestCommand(const Args& args) {
  std::vector<std::string> dirs;
  double hours = 2;
  int rounds = 5;
  po::options_description options("options");
  options.add_options()
      ("dir", po::value(&dirs)->multitoken(), "speech folders whose transcripts.tsv supply what is said")
      ("hours", po::value(&hours)->value_name("H"), "hours of speech in the day (default 2)")
      ("rounds", po::value(&rounds)->value_name("N"), "builds per format; the median is printed (default 5)");
  po::positional_options_description positional;
  positional.add("dir", -1);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio bench digest DIR... [--hours H] [--rounds N]\n\n"
                         "Builds the digest of a day with H hours of speech made of the folders' reference transcripts\n"
                         "and prints the time per format (JSON, Markdown, PDF) and their sizes.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (dirs.empty()) return Fail("name speech folders, e.g. reflexio bench digest ../shared/data/speech/en", 2);
  if (hours <= 0 || hours > 16 || rounds < 1) return Fail("--hours must be above 0 and at most 16, --rounds at least 1", 2);
  auto read = ReadReferenceTexts(dirs);
  if (!read.ok()) return Fail(read.status().message());
  const std::vector<std::string>& references = *read;
  auto scratch = ScratchDirectory::Create("digest");
  if (!scratch.ok()) return Fail(scratch.status().message());
  const std::string date = "2026-11-26", zone = "UTC";
  TimePoint morning = *LocalClockTime(date, "07:00", zone);
  BenchClock clock(morning);
  auto backend = SqliteDatabase::Open(scratch->path() / "reflexio.db", EmbeddedSqliteMigrations(), clock);
  if (!backend.ok()) return Fail(backend.status().message());
  Keyring keyring(PlainStores(**backend), MasterKeys{MasterKey::From(NewDataKey())});
  SealedStores db_sealing(**backend, keyring);
  const Stores& db = db_sealing.stores();
  auto tenant = db.tenants.EnsureTenant("bench");
  if (!tenant.ok()) return Fail(tenant.status().message());

  // Conversations of 4 utterances (32 s of speech) spread from 07:00 to midnight until H hours are said.
  int segments_needed = static_cast<int>(hours * 3600 / 8);
  int conversations = (segments_needed + 3) / 4;
  double spacing_s = std::min(600.0, 17 * 3600.0 / conversations);
  if (spacing_s < 140) return Fail("--hours too many for one day's conversations (at most 16)", 2);
  std::cerr << "recording " << segments_needed << " segments (" << hours << " h of speech) across " << date << "\n";
  size_t next = 0;
  for (int done = 0, conversation = 0; done < segments_needed; ++conversation) {
    std::vector<std::string> texts;
    for (int u = 0; u < 4 && done < segments_needed; ++u, ++done) texts.push_back(references[next++ % references.size()]);
    auto stored = StoreReferenceRecording(db, tenant->id, texts, AddSeconds(morning, conversation * spacing_s));
    if (!stored.ok()) return Fail(stored.status().message());
  }
  clock.Set(*LocalClockTime(AddDays(date, 1), "12:00", zone));  // every conversation long over
  EpisodeBuilder episodes(db, 90, clock);
  if (auto s = episodes.Run(); !s.ok()) return Fail(s.status().message());
  clock.Set(AddSeconds(clock.Now(), 600));
  if (auto s = episodes.Run(); !s.ok()) return Fail(s.status().message());
  EmbeddedProvider provider;
  Enricher enricher(db, provider, clock);
  std::cerr << "understanding the day's conversations\n";
  while (true) {
    auto report = enricher.Run();
    if (!report.ok()) return Fail(report.status().message());
    if (report->episodes_enriched == 0) break;
  }

  DigestBuilder builder(db);
  DigestDay day{tenant->id, date, zone};
  Result<DigestDocument> digest = Internal("not built");
  std::string markdown, pdf;
  double json_ms = MedianMs(rounds, [&] { digest = builder.Build(day); });
  if (!digest.ok()) return Fail(digest.status().message());
  double md_ms = MedianMs(rounds, [&] { markdown = RenderDigestMarkdown(*digest); });
  Status pdf_status;
  double pdf_ms = MedianMs(rounds, [&] {
    auto rendered = RenderDigestPdf(*digest);
    pdf_status = rendered.status();
    if (rendered.ok()) pdf = std::move(*rendered);
  });
  if (!pdf_status.ok()) return Fail(pdf_status.message());
  const DigestFigures& f = digest->figures;
  std::printf("day: %lld recordings, %.1f speech minutes, %lld words, %lld conversations, %zu sources\n",
              static_cast<long long>(f.recordings), f.speech_minutes, static_cast<long long>(f.words),
              static_cast<long long>(f.episodes), digest->sources.size());
  std::printf("%-34s %10s %10s\n", "format", "median_ms", "bytes");
  std::printf("%-34s %10.1f %10zu\n", "JSON (collect + build, decrypting)", json_ms, nlohmann::json(*digest).dump(2).size());
  std::printf("%-34s %10.1f %10zu\n", "Markdown (from the JSON)", md_ms, markdown.size());
  std::printf("%-34s %10.1f %10zu\n", "PDF (from the JSON)", pdf_ms, pdf.size());
  std::printf("all three: %.1f ms (median of %d rounds each)\n", json_ms + md_ms + pdf_ms, rounds);
  return 0;
}

}  // namespace reflexio
