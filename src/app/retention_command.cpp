// `reflexio retention [--dry-run]`: applies the retention policy now (the scheduler does it
// every REFLEXIO_RETENTION_INTERVAL_S), or with --dry-run lists what it would delete.
#include <cstdio>
#include <iostream>

#include "app/flags.h"
#include "privacy/retention.h"

namespace reflexio {

int RetentionCommand(const Args& args) {
  CommonFlags flags;
  po::options_description options("options");
  options.add_options()("dry-run", po::bool_switch(), "list what would be deleted, delete nothing");
  AddCommonFlags(options, flags, false);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio retention [--dry-run] [--data-dir DIR]\n\n"
                         "Deletes audio older than AUDIO_RETENTION_HOURS, recordings (transcripts, search entries,\n"
                         "stored objects) older than TRANSCRIPTION_RETENTION_DAYS and digests older than\n"
                         "DIGEST_RETENTION_DAYS, each tenant's own settings first. One line per item: tenant,\n"
                         "recording (or the digest's date), what goes (audio | recording | digest), capture time.",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  bool dry_run = (*vars)["dry-run"].as<bool>();
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto storage = OpenStorage(*config);
  if (!storage.ok()) return Fail(storage.status().message());
  RetentionSweeper sweeper(storage->stores(), *storage->blobs, RetentionPolicy::Defaults(*config), nullptr);
  auto report = sweeper.Run(dry_run);
  if (!report.ok()) return Fail(report.status().message());
  for (const auto& action : report->actions) {
    const std::string& subject = action.what == "digest" ? action.digest_date : action.recording_id;
    std::printf("%s\t%s\t%s\t%s\n", action.tenant_id.c_str(), subject.c_str(), action.what.c_str(),
                FormatRfc3339(action.captured_at).c_str());
  }
  int64_t recordings = 0, audio = 0, digests = 0;
  for (const auto& action : report->actions) {
    (action.what == "recording" ? recordings : action.what == "digest" ? digests : audio)++;
  }
  if (dry_run) {
    std::cerr << "dry run: would delete " << recordings << " recording(s), the audio of " << audio << " more and "
              << digests << " digest(s); nothing was deleted\n";
  } else {
    std::cerr << "deleted " << report->recordings_deleted << " recording(s), the audio of " << report->audio_deleted
              << " more (" << report->blobs_deleted << " stored object(s)) and " << report->digests_deleted
              << " digest(s)\n";
  }
  return 0;
}

}  // namespace reflexio
