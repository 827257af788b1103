// reflexio — one binary, one command per role. See `reflexio --help`.
#include <cstdio>
#include <iostream>
#include <string>

#include "app/commands.h"
#include "core/config.h"
#include "core/crash_report.h"
#include "core/log.h"
#include "version.h"

namespace {
constexpr const char* kUsage = R"(reflexio — a self-hosted, private life-memory server

usage: reflexio <command> [options]     (reflexio <command> --help for its options)

commands:
  serve                 HTTP API + worker on the embedded default (SQLite + PocketSphinx);
                        --role api serves HTTP only for a cluster
  worker                cluster worker: claims jobs from PostgreSQL, transcribes, no HTTP
  scheduler             timed work (usage roll-ups, retention, episodes, understanding,
                        digests); one active
  keys create           create a tenant if needed and print a new API key
  keys rotate           replace the master key that wraps every tenant key
  login-link --tenant NAME   print a one-time link that signs a browser in to the web app
  transcribe FILE...    transcribe audio files offline and print the text or JSON
  migrate [--verify]    apply database migrations, or check the applied ones
  retention [--dry-run] delete what the retention policy says has been kept long enough
  digest --once         build one day's digest now (JSON, Markdown or PDF)
  models check DIR      verify a Whisper checkpoint directory and say what it holds
  listen                the always-on listener: microphone → sealed local spool → a server;
                        --devices lists the inputs, --status what it last reported
  check [--json]        readiness gates: settings, database, master key, store, disk, clock,
                        ASR, metrics, outside services; exit 0 only when none fails
  check --post-deploy URL --key KEY   upload, transcript, digest, delivery, retention on a server
  bench asr DIR         measure WER and speed: raw engine, pipeline, server path
  bench search DIR...   search latency over plaintext and sealed, blind-indexed transcripts;
                        --year: a year of a heavy user among other tenants, per query kind
  bench understanding DIR...  what memory saves in prompts, findings per conversation
  bench digest DIR...   a heavy day's digest, time per format
  bench whisper         the Whisper engine's arithmetic at published sizes
  bench http FILE       upload acknowledge and /health latency while uploads are checked

environment: REFLEXIO_PORT, REFLEXIO_DATA_DIR, REFLEXIO_ASR_ENGINE, … (see .env.example);
they override reflexio.toml, and flags override both.
)";
}  // namespace

int main(int argc, char** argv) {
  reflexio::InstallCrashReport();
  // Until a command has read its configuration, the environment says how to log.
  auto env = reflexio::ProcessEnvironment();
  reflexio::SetLogLevel(reflexio::ParseLogLevel(env("REFLEXIO_LOG_LEVEL").value_or("info")));
  reflexio::SetLogFormat(reflexio::ParseLogFormat(env("REFLEXIO_LOG_FORMAT").value_or("text")));
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string command = argv[1];
  reflexio::Args args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "--version" || command == "version") {
    std::cout << "reflexio " << reflexio::kReflexioVersion << "\n";
    return 0;
  }
  if (command == "serve") return reflexio::ServeCommand(args);
  if (command == "worker") return reflexio::WorkerCommand(args);
  if (command == "scheduler") return reflexio::SchedulerCommand(args);
  if (command == "keys") return reflexio::KeysCommand(args);
  if (command == "login-link") return reflexio::LoginLinkCommand(args);
  if (command == "migrate") return reflexio::MigrateCommand(args);
  if (command == "retention") return reflexio::RetentionCommand(args);
  if (command == "digest") return reflexio::DigestCommand(args);
  if (command == "transcribe") return reflexio::TranscribeCommand(args);
  if (command == "bench") return reflexio::BenchCommand(args);
  if (command == "models") return reflexio::ModelsCommand(args);
  if (command == "check") return reflexio::CheckCommand(args);
  if (command == "listen") return reflexio::ListenCommand(args);
  return reflexio::Fail("unknown command '" + command + "'; see reflexio --help", 2);
}
