// `reflexio bench asr DIR`: accuracy and speed on a folder shaped like shared/data/speech/en
// (transcripts.tsv: file, reference, …). For every file it runs the raw engine on the whole
// file as one utterance and the full server pipeline (VAD, segments, parallel decoders, Opus
// for storage), and prints WER, real-time factors and their ratio, and peak memory. A last pass
// runs the pipeline on all files at once with one worker per decoder, as the server's worker
// does, for throughput. It reports figures; it never passes or fails on them.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/flags.h"
#include "app/speech_folder.h"
#include "asr/engine_pool.h"
#include "audio/decoder.h"
#include "audio/opus_encoder.h"
#include "audio/vad.h"
#include "pipeline/speech_pipeline.h"
#include "text/wer.h"

namespace reflexio {

namespace {

using Item = TranscribedFile;

// The rows whose audio is in the folder.
Result<std::vector<Item>> ReadTranscripts(const std::filesystem::path& dir) {
  ASSIGN_OR_RETURN(auto rows, ReadTranscriptsTsv(dir));
  std::vector<Item> items;
  for (auto& row : rows) {
    if (std::filesystem::exists(dir / row.file)) items.push_back(std::move(row));
  }
  if (items.empty()) return NotFound("no audio files of transcripts.tsv were found in " + dir.string());
  return items;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double PeakRssMegabytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

int BenchCommand(const Args& args) {
  if (!args.empty() && args[0] == "search") return BenchSearchCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "understanding") return BenchUnderstandingCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "digest") return BenchDigestCommand(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "whisper") return BenchWhisperCommand(Args(args.begin() + 1, args.end()));
  if (args.empty() || (args[0] != "asr" && args[0] != "--help" && args[0] != "-h")) {
    return Fail("usage: reflexio bench asr DIR [--engine NAME] [--limit N] | bench search DIR… | "
                "bench understanding DIR… | bench digest DIR… | bench whisper (each has --help)", 2);
  }
  CommonFlags flags;
  std::string dir, engine;
  int limit = 0;
  po::options_description options("options");
  options.add_options()
      ("dir", po::value(&dir), "folder with transcripts.tsv and the audio it names")
      ("engine", po::value(&engine)->value_name("NAME"), "pocketsphinx, remote or whisper (default: whisper when REFLEXIO_WHISPER_MODEL is set, else pocketsphinx)")
      ("limit", po::value(&limit)->value_name("N"), "only the first N files (a quick run)");
  AddCommonFlags(options, flags, false);
  po::positional_options_description positional;
  positional.add("dir", 1);
  int exit_code = 0;
  Args rest = args[0] == "asr" ? Args(args.begin() + 1, args.end()) : args;
  auto vars = ParseFlags(rest,
                         "usage: reflexio bench asr DIR [--engine NAME] [--limit N]\n\n"
                         "Prints WER (normalised as shared/data/speech/README.md says), the real-time factor of the\n"
                         "raw engine and of the whole pipeline on the same files, their ratio, and peak memory.",
                         options, &positional, exit_code);
  if (!vars) return exit_code;
  if (dir.empty()) return Fail("name the speech folder, e.g. reflexio bench asr ../shared/data/speech/en", 2);
  auto items = ReadTranscripts(dir);
  if (!items.ok()) return Fail(items.status().message());
  if (limit > 0 && static_cast<size_t>(limit) < items->size()) items->resize(limit);
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto factory = MakeEngineFactory(*config, engine);
  if (!factory.ok()) return Fail(factory.status().message());
  auto raw_engine = (*factory)();
  if (!raw_engine.ok()) return Fail(raw_engine.status().message());
  auto pool = EnginePool::Create(config->worker_threads, *factory);
  if (!pool.ok()) return Fail(pool.status().message());

  std::vector<std::vector<float>> decoded;
  WordErrors raw_errors, pipeline_errors;
  double audio_s = 0, raw_s = 0, pipeline_s = 0, speech_s = 0;
  std::printf("%-34s %7s %8s %9s %8s %9s\n", "file", "audio_s", "raw_rtf", "pipe_rtf", "raw_wer", "pipe_wer");
  for (size_t i = 0; i < items->size(); ++i) {
    const Item& item = (*items)[i];
    std::cerr << "[" << i + 1 << "/" << items->size() << "] " << item.file << "\n";
    auto audio = DecodeAudioFile((std::filesystem::path(dir) / item.file).string());
    if (!audio.ok()) return Fail(item.file + ": " + audio.status().message());

    auto started = std::chrono::steady_clock::now();
    auto raw = (*raw_engine)->Transcribe(audio->samples);
    double raw_time = Seconds(started);
    if (!raw.ok()) return Fail(item.file + ": " + raw.status().message());

    started = std::chrono::steady_clock::now();
    auto vad = MakeVad(config->vad);
    if (!vad.ok()) return Fail(vad.status().message());
    auto piped = RunSpeechPipeline(audio->samples, **vad, **pool, SystemClock::Instance().Now());
    auto stored = EncodeOggOpus(audio->samples, config->opus_bitrate);
    double pipeline_time = Seconds(started);
    if (!piped.ok()) return Fail(item.file + ": " + piped.status().message());
    if (!stored.ok()) return Fail(item.file + ": " + stored.status().message());

    std::string pipeline_text;
    for (const auto& s : piped->transcription.segments) pipeline_text += s.text + " ";
    WordErrors raw_file = ScoreWords(item.reference, raw->text);
    WordErrors pipeline_file = ScoreWords(item.reference, pipeline_text);
    raw_errors += raw_file;
    pipeline_errors += pipeline_file;
    double duration = audio->DurationSeconds();
    audio_s += duration;
    speech_s += piped->transcription.speech_s;
    raw_s += raw_time;
    pipeline_s += pipeline_time;
    std::printf("%-34s %7.2f %8.3f %9.3f %7.1f%% %8.1f%%\n", item.file.c_str(), duration, raw_time / duration,
                pipeline_time / duration, 100 * raw_file.Rate(), 100 * pipeline_file.Rate());
    decoded.push_back(std::move(audio->samples));
  }

  // Throughput: every file through the pipeline at once, one worker thread per decoder.
  std::cerr << "throughput pass: " << decoded.size() << " files on " << (*pool)->size() << " workers\n";
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < (*pool)->size(); ++w) {
    workers.emplace_back([&] {
      auto vad = MakeVad(config->vad);
      for (size_t i = next++; vad.ok() && i < decoded.size(); i = next++) {
        auto piped = RunSpeechPipeline(decoded[i], **vad, **pool, SystemClock::Instance().Now());
        auto stored = EncodeOggOpus(decoded[i], config->opus_bitrate);
        if (!piped.ok() || !stored.ok()) failed = true;
      }
    });
  }
  for (auto& w : workers) w.join();
  double throughput_s = Seconds(started);
  if (failed) return Fail("the throughput pass failed on some file");
  double raw_rtf = raw_s / audio_s, pipeline_rtf = pipeline_s / audio_s;
  std::printf("\n%zu files, %.1f s of audio (%.1f s detected as speech), %d reference words\n", items->size(), audio_s,
              speech_s, raw_errors.reference_words);
  std::printf("WER            raw engine %5.1f %%   pipeline %5.1f %%   (engine: %s)\n", 100 * raw_errors.Rate(),
              100 * pipeline_errors.Rate(), (*pool)->engine_name().c_str());
  std::printf("real-time      raw engine %6.3f   pipeline %6.3f   pipeline/raw %.2f   (%d decoder threads)\n", raw_rtf,
              pipeline_rtf, pipeline_rtf / raw_rtf, (*pool)->size());
  std::printf("throughput     pipeline %6.3f s per audio second with files in parallel (%.1fx real time)\n",
              throughput_s / audio_s, audio_s / throughput_s);
  std::printf("peak memory    %.0f MB resident\n", PeakRssMegabytes());
  return 0;
}

}  // namespace reflexio
