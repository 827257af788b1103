// `reflexio bench understanding DIR…`: what understanding yields and costs on the embedded
// provider, and what memory saves in prompts. The reference transcripts of speech folders are
// recorded as a run of days (each conversation a few consecutive utterances, conversations two
// hours apart) into a scratch encrypted SQLite store, grouped into episodes and enriched one by
// one, as the scheduler does. It prints, as the days go on, the tokens of the memory context an
// enrichment prompt carries against the tokens of the raw history it stands for, and the
// findings, evidence coverage and time per episode. It reports figures; it never passes or fails.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/bench/corpus.h"
#include "app/flags.h"
#include "app/speech_folder.h"
#include "core/file_util.h"
#include "core/ids.h"
#include "crypto/keys.h"
#include "llm/embedded_provider.h"
#include "privacy/sealed_stores.h"
#include "storage/sqlite_database.h"
#include "understanding/enricher.h"
#include "understanding/episodes.h"

namespace reflexio {

namespace {

using nlohmann::json;

}  // namespace

int BenchUnderstandingCommand(const Args& args) {
  std::vector<std::string> dirs;
  int days = 7, per_day = 4, utterances = 3;
  po::options_description options("options");
  options.add_options()
      ("dir", po::value(&dirs)->multitoken(), "speech folders whose transcripts.tsv supply what is said")
      ("days", po::value(&days)->value_name("N"), "days of conversations (default 7)")
      ("per-day", po::value(&per_day)->value_name("N"), "conversations a day (default 4)")
      ("utterances", po::value(&utterances)->value_name("N"), "utterances per conversation (default 3)");
  po::positional_options_description positional;
  positional.add("dir", -1);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio bench understanding DIR... [--days N] [--per-day N] [--utterances N]\n\n"
                         "Enriches a run of days made of the folders' reference transcripts on the embedded provider\n"
                         "and prints the memory context's tokens against the raw history's, findings and time.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (dirs.empty()) return Fail("name speech folders, e.g. reflexio bench understanding ../shared/data/speech/en", 2);
  if (days < 1 || per_day < 1 || per_day > 10 || utterances < 1) {
    return Fail("--days and --utterances must be at least 1, --per-day from 1 to 10", 2);
  }
  auto read = ReadReferenceTexts(dirs);
  if (!read.ok()) return Fail(read.status().message());
  const std::vector<std::string>& references = *read;

  auto scratch_dir = ScratchDirectory::Create("understanding");
  if (!scratch_dir.ok()) return Fail(scratch_dir.status().message());
  const std::filesystem::path& scratch = scratch_dir->path();
  TimePoint start = *ParseRfc3339("2026-11-23T08:00:00Z");
  BenchClock clock(start);
  auto backend = SqliteDatabase::Open(scratch / "reflexio.db", EmbeddedSqliteMigrations(), clock);
  if (!backend.ok()) return Fail(backend.status().message());
  Keyring keyring(PlainStores(**backend), MasterKeys{MasterKey::From(NewDataKey())});
  SealedStores db_sealing(**backend, keyring);
  const Stores& db = db_sealing.stores();
  auto tenant = db.tenants.EnsureTenant("bench");
  if (!tenant.ok()) return Fail(tenant.status().message());
  EmbeddedProvider provider;
  Enricher enricher(db, provider, clock);
  EpisodeBuilder episodes(db, 90, clock);

  std::printf("%-5s %-8s %9s %13s %15s %13s %8s\n", "day", "episode", "findings", "memory_items", "memory_tokens",
              "raw_history", "ratio");
  size_t next = 0;
  double enrich_seconds = 0;
  int64_t enriched = 0, findings = 0, with_evidence = 0;
  int64_t last_memory = 0, last_history = 0;
  for (int day = 0; day < days; ++day) {
    for (int e = 0; e < per_day; ++e) {
      TimePoint at = AddSeconds(start, day * 86400.0 + e * 7200.0);
      std::vector<std::string> texts;
      for (int u = 0; u < utterances; ++u) texts.push_back(references[next++ % references.size()]);
      auto stored = StoreReferenceRecording(db, tenant->id, texts, at);
      if (!stored.ok()) return Fail(stored.status().message());
      clock.Set(AddSeconds(at, 3600));  // quiet for an hour: the episode closes
      if (auto s = episodes.Run(); !s.ok()) return Fail(s.status().message());
      clock.Set(AddSeconds(at, 3700));
      if (auto s = episodes.Run(); !s.ok()) return Fail(s.status().message());
      auto began = std::chrono::steady_clock::now();
      auto report = enricher.Run();
      enrich_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      if (!report.ok()) return Fail(report.status().message());
      enriched += report->episodes_enriched;
      auto session = db.insights.ListInsights(tenant->id, {.scope = InsightScope::kEpisode, .kind = InsightKind::kSession}, 1, "");
      auto mine = session.ok() && !session->items.empty()
                      ? db.insights.ListInsights(tenant->id, {.scope = InsightScope::kEpisode, .episode_id = session->items[0].episode_id}, 500, "")
                      : Result<Page<Insight>>(Internal("no session"));
      auto memory = db.insights.ListInsights(tenant->id, {.scope = InsightScope::kCore}, 1000, "");
      if (!mine.ok() || !memory.ok()) return Fail("cannot read what was understood");
      SessionFields::Tokens tokens = FieldsOf<SessionFields>(EpisodeBodyOf(session->items[0])).tokens;
      int64_t episode_findings = 0;
      for (const Insight& i : mine->items) {
        if (i.kind == InsightKind::kSession) continue;
        ++episode_findings;
        with_evidence += EpisodeBodyOf(i).evidence.empty() ? 0 : 1;
      }
      findings += episode_findings;
      last_memory = tokens.memory_context;
      last_history = tokens.raw_history;
      std::printf("%-5d %-8d %9lld %13zu %15lld %13lld %8s\n", day + 1, e + 1, static_cast<long long>(episode_findings),
                  memory->items.size(), static_cast<long long>(last_memory), static_cast<long long>(last_history),
                  last_history > 0 ? (std::to_string(static_cast<double>(last_memory) / last_history).substr(0, 5)).c_str()
                                   : "-");
    }
  }
  std::printf("\n%lld episodes enriched, %.1f findings each, %.1f%% with evidence, %.2f ms per episode (embedded)\n",
              static_cast<long long>(enriched), enriched ? static_cast<double>(findings) / enriched : 0.0,
              findings ? 100.0 * with_evidence / findings : 0.0, enriched ? 1000 * enrich_seconds / enriched : 0.0);
  std::printf("last prompt: memory context %lld tokens instead of %lld tokens of raw history (%.1f%% of it)\n",
              static_cast<long long>(last_memory), static_cast<long long>(last_history),
              last_history ? 100.0 * last_memory / last_history : 0.0);
  std::printf("tokens are estimated as UTF-8 bytes / 4; the memory context is capped at 1500 characters\n");
  return 0;
}

}  // namespace reflexio
