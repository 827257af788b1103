// `reflexio bench asr DIR`: accuracy and speed on a folder shaped like shared/data/speech/en
// (transcripts.tsv: file, reference, …). The same files go through the raw engine (each file
// whole) and the speech pipeline (VAD, segments, quality gate, prosody, Opus for storage), each
// on one core and each on every core, so each ratio compares like with like; then through the
// server's own path (upload → sealed store → queue → worker → committed transcript); then, when
// Debian's pocketsphinx_continuous is installed, through that program on the same files. It
// prints WER, real-time factors, the ratios and peak memory; it never passes or fails on them.
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/bench/asr_passes.h"
#include "app/flags.h"
#include "app/speech_folder.h"
#include "audio/decoder.h"

namespace reflexio {

namespace {

// The rows whose audio is in the folder, decoded.
Result<std::vector<BenchFile>> LoadFiles(const std::filesystem::path& dir, int limit) {
  ASSIGN_OR_RETURN(auto rows, ReadTranscriptsTsv(dir));
  std::vector<BenchFile> files;
  for (auto& row : rows) {
    if (limit > 0 && files.size() == static_cast<size_t>(limit)) break;
    std::filesystem::path path = dir / row.file;
    if (!std::filesystem::exists(path)) continue;
    std::cerr << "decoding " << row.file << "\n";
    auto audio = DecodeAudioFile(path.string());
    if (!audio.ok()) return audio.status().WithContext(row.file);
    double duration_s = audio->DurationSeconds();
    files.push_back({row.file, path, row.reference, std::move(audio->samples), duration_s});
  }
  if (files.empty()) return NotFound("no audio files of transcripts.tsv were found in " + dir.string());
  return files;
}

double PeakRssMegabytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

void PrintAsrReport(const std::vector<BenchFile>& files, const AsrPasses& p, int cores, int rounds) {
  double audio_s = 0;
  for (const auto& f : files) audio_s += f.duration_s;
  std::printf("%-34s %7s %8s %9s\n", "file", "audio_s", "raw_rtf", "pipe_rtf");
  for (size_t i = 0; i < files.size(); ++i) {
    std::printf("%-34s %7.2f %8.3f %9.3f\n", files[i].name.c_str(), files[i].duration_s,
                p.raw_one_core.file_wall_s[i] / files[i].duration_s,
                p.pipeline_one_core.file_wall_s[i] / files[i].duration_s);
  }
  std::printf("\n%zu files, %.1f s of audio (%.1f s detected as speech), %d reference words\n", files.size(), audio_s,
              p.pipeline_one_core.speech_s, p.raw_one_core.errors.reference_words);
  std::printf("WER            raw engine %5.1f %%   pipeline %5.1f %%   server %5.1f %%\n",
              100 * p.raw_one_core.errors.Rate(), 100 * p.pipeline_one_core.errors.Rate(), 100 * p.server.errors.Rate());
  std::printf("\n%-48s %8s %8s %8s %8s\n", rounds > 1 ? "pass (median of the rounds)" : "pass", "wall s", "RTF",
              "cpu s", "cpu RTF");
  auto row = [&](const std::string& name, const PassResult& r) {
    std::printf("%-48s %8.2f %8.3f %8.2f %8.3f\n", name.c_str(), r.wall_s, r.wall_s / audio_s, r.cpu_s,
                r.cpu_s / audio_s);
  };
  std::string on_cores = " on " + std::to_string(cores) + " cores";
  row("raw engine, one core", p.raw_one_core);
  row("pipeline, one core", p.pipeline_one_core);
  row("raw engine" + on_cores, p.raw_every_core);
  row("pipeline" + on_cores, p.pipeline_every_core);
  row("server, first upload to last transcript" + on_cores, p.server);
  if (p.continuous) row("pocketsphinx_continuous, " + std::to_string(cores) + " processes", *p.continuous);
  auto ratio = [](const std::string& name, double wall, double cpu) {
    std::printf("%-56s wall %.2f   cpu %.2f\n", name.c_str(), wall, cpu);
  };
  std::printf("\n");
  ratio("time of the pipeline / the raw engine, one core", p.pipeline_one_core.wall_s / p.raw_one_core.wall_s,
        p.pipeline_one_core.cpu_s / p.raw_one_core.cpu_s);
  ratio("time of the pipeline / the raw engine" + on_cores, p.pipeline_every_core.wall_s / p.raw_every_core.wall_s,
        p.pipeline_every_core.cpu_s / p.raw_every_core.cpu_s);
  ratio("server's throughput / the raw engine's" + on_cores, p.raw_every_core.wall_s / p.server.wall_s,
        p.raw_every_core.cpu_s / p.server.cpu_s);
  if (p.continuous) {
    ratio("server's throughput / pocketsphinx_continuous's", p.continuous->wall_s / p.server.wall_s,
          p.continuous->cpu_s / p.server.cpu_s);
    std::printf("pocketsphinx_continuous WER %.1f %% (its own segmentation, the model loaded per file)\n",
                100 * p.continuous->errors.Rate());
  } else {
    std::printf("pocketsphinx_continuous not run: %s\n", p.continuous_missing.c_str());
  }
}

}  // namespace

int BenchCommand(const Args& args) {
  if (!args.empty() && args[0] == "search") return BenchSearchCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "understanding") return BenchUnderstandingCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "digest") return BenchDigestCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "whisper") return BenchWhisperCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "http") return BenchHttpCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "stream") return BenchStreamCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "stream-clients") return BenchStreamClientsCommand(Args(args.begin() + 1, args.end()));
  if (args.empty() || (args[0] != "asr" && args[0] != "--help" && args[0] != "-h")) {
    return Fail("usage: reflexio bench asr DIR [--engine NAME] [--limit N] [--rounds N] | bench search DIR… | "
                "bench understanding DIR… | bench digest DIR… | bench whisper | bench http FILE | bench stream FILE "
                "(each has --help)", 2);
  }
  CommonFlags flags;
  std::string dir, engine;
  int limit = 0, rounds = 1;
  po::options_description options("options");
  options.add_options()
      ("dir", po::value(&dir), "folder with transcripts.tsv and the audio it names")
      ("engine", po::value(&engine)->value_name("NAME"), "pocketsphinx, remote or whisper (default: whisper when REFLEXIO_WHISPER_MODEL is set, else pocketsphinx)")
      ("limit", po::value(&limit)->value_name("N"), "only the first N files (a quick run)")
      ("rounds", po::value(&rounds)->value_name("N"), "run every pass N times and print the medians (default 1)");
  AddCommonFlags(options, flags, false);
  po::positional_options_description positional;
  positional.add("dir", 1);
  int exit_code = 0;
  Args rest = args[0] == "asr" ? Args(args.begin() + 1, args.end()) : args;
  auto vars = ParseFlags(rest,
                         "usage: reflexio bench asr DIR [--engine NAME] [--limit N] [--rounds N]\n\n"
                         "Prints WER (normalised as shared/data/speech/README.md says) and the real-time factors of\n"
                         "the raw engine and of the pipeline, each on one core and on every core, with their ratios;\n"
                         "the server's own path from the first upload to the last transcript; and, when Debian's\n"
                         "pocketsphinx_continuous is installed, that program on the same files. And peak memory.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (dir.empty()) return Fail("name the speech folder, e.g. reflexio bench asr ../shared/data/speech/en", 2);
  if (rounds < 1) return Fail("--rounds must be at least 1", 2);
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto factory = MakeEngineFactory(*config, engine);
  if (!factory.ok()) return Fail(factory.status().message());
  auto files = LoadFiles(dir, limit);
  if (!files.ok()) return Fail(files.status().message());
  int cores = config->worker_threads;
  std::vector<AsrPasses> measured;
  for (int round = 1; round <= rounds; ++round) {
    if (rounds > 1) std::cerr << "round " << round << " of " << rounds << "\n";
    auto passes = RunAsrPasses(*files, *factory, *config);
    if (!passes.ok()) return Fail(passes.status().message());
    measured.push_back(std::move(*passes));
  }
  PrintAsrReport(*files, MedianOf(measured), cores, rounds);
  std::printf("peak memory    %.0f MB resident (engine: %s)\n", PeakRssMegabytes(),
              engine.empty() ? config->asr_engine.c_str() : engine.c_str());
  return 0;
}

}  // namespace reflexio
