// The passes of `reflexio bench asr`, each timing the same files a different way, so that what
// is compared is like with like: the raw engine and the pipeline each on one core and each on
// every core, then the whole server path (ingest → queue → worker), then — when Debian's
// `pocketsphinx_continuous` is installed — that program on the same files in the same run.
// Every pass reports wall and processor time; none passes or fails on them. Used from one thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "asr/engine.h"
#include "core/config.h"
#include "text/wer.h"

namespace reflexio {

struct BenchFile {
  std::string name;       // as transcripts.tsv names it
  std::filesystem::path path;
  std::string reference;
  std::vector<float> samples;  // decoded, 16 kHz mono
  double duration_s = 0;
};

struct PassResult {
  double wall_s = 0;
  // Processor time of the whole process over the same span (user + system, every thread): what
  // the work costs, apart from the idle cores and the other programs of a shared machine.
  double cpu_s = 0;
  WordErrors errors;
  double speech_s = 0;
  std::vector<double> file_wall_s;  // the one-core passes: per file, in order
};

// On one core, file by file: the raw engine on the whole file (one utterance), then the speech
// pipeline (VAD, segments, quality gate, prosody) and the Opus encoding for storage, both through
// the same engine on the same thread. Alternating them file by file means a shared machine's
// changing load falls on both alike.
struct OneCorePair {
  PassResult raw, pipeline;
};
Result<OneCorePair> RawAndPipelineOnOneCore(const std::vector<BenchFile>& files, const AsrEngineFactory& factory,
                                            const Config& config);
// `threads` engines, each taking whole files from a shared list.
Result<PassResult> RawOnEveryCore(const std::vector<BenchFile>& files, const AsrEngineFactory& factory, int threads);
// The pipeline and the Opus encoding over a pool of `threads` engines, `threads` files in flight.
Result<PassResult> PipelineOnEveryCore(const std::vector<BenchFile>& files, const AsrEngineFactory& factory,
                                       const Config& config, int threads);
// The server's own path in a scratch data directory: every file ingested as an upload (sealed,
// checked), queued, and processed by the server's worker on config.worker_threads threads;
// from the first upload to the last transcript committed.
Result<PassResult> ServerPath(const std::vector<BenchFile>& files, const AsrEngineFactory& factory,
                              const Config& config);
// Debian's pocketsphinx_continuous on the folder's 16 kHz WAV files (16k/<stem>.wav), `processes`
// at a time, with the same model; kNotFound when the program or the 16 kHz files are missing.
Result<PassResult> PocketsphinxContinuous(const std::vector<BenchFile>& files, const std::string& model_dir,
                                          int processes);

// Every pass once, in the order above; `continuous` is absent when that program cannot run.
struct AsrPasses {
  PassResult raw_one_core, pipeline_one_core, raw_every_core, pipeline_every_core, server;
  std::optional<PassResult> continuous;
  std::string continuous_missing;  // why it did not run
};
Result<AsrPasses> RunAsrPasses(const std::vector<BenchFile>& files, const AsrEngineFactory& factory,
                               const Config& config);
// Per pass, the median wall time and the median processor time of several rounds; errors and
// per-file times from the first.
AsrPasses MedianOf(const std::vector<AsrPasses>& rounds);

}  // namespace reflexio
