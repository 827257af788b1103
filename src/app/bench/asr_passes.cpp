#include "app/bench/asr_passes.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/app_context.h"
#include "app/bench/corpus.h"
#include "asr/engine_pool.h"
#include "audio/opus_encoder.h"
#include "audio/vad.h"
#include "core/file_util.h"
#include "core/mutex.h"
#include "pipeline/ingest.h"
#include "pipeline/speech_pipeline.h"

namespace reflexio {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Wall and processor time from construction to Stop.
class PassTimer {
 public:
  explicit PassTimer(int who = RUSAGE_SELF) : wall_(std::chrono::steady_clock::now()), who_(who), cpu_(CpuSeconds(who)) {}
  void Stop(PassResult& result) const {
    result.wall_s = SecondsSince(wall_);
    result.cpu_s = CpuSeconds(who_) - cpu_;
  }
  void AddTo(PassResult& result) const {
    result.file_wall_s.push_back(SecondsSince(wall_));
    result.wall_s += result.file_wall_s.back();
    result.cpu_s += CpuSeconds(who_) - cpu_;
  }

 private:
  std::chrono::steady_clock::time_point wall_;
  int who_;
  double cpu_;
};

// Runs `work(i, thread)` for every file index on `threads` threads, each taking the next index;
// the first error stops the rest.
Status ForEachFile(size_t count, int threads, const std::function<Status(size_t, int)>& work) {
  std::atomic<size_t> next{0};
  Mutex mutex;
  Status first_error;
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      for (size_t i = next++; i < count; i = next++) {
        Status done = work(i, t);
        MutexLock lock(mutex);
        if (!done.ok() && first_error.ok()) first_error = done;
        if (!first_error.ok()) return;
      }
    });
  }
  for (auto& t : running) t.join();
  return first_error;
}

std::string SegmentsText(const std::vector<Segment>& segments) {
  std::string text;
  for (const auto& s : segments) text += s.text + " ";
  return text;
}

}  // namespace

Result<PassResult> RawOnEveryCore(const std::vector<BenchFile>& files, const AsrEngineFactory& factory, int threads) {
  std::vector<std::unique_ptr<AsrEngine>> engines;
  for (int t = 0; t < threads; ++t) {
    ASSIGN_OR_RETURN(auto engine, factory());
    engines.push_back(std::move(engine));
  }
  PassTimer timer;
  RETURN_IF_ERROR(ForEachFile(files.size(), threads, [&](size_t i, int thread) -> Status {
    return engines[thread]->Transcribe(files[i].samples).status();
  }));
  PassResult result;
  timer.Stop(result);
  return result;
}

namespace {

// One file through the pipeline and the Opus encoding for storage, scored into `result`.
Status PipelineOnFile(const BenchFile& file, EnginePool& pool, const Config& config, PassResult& result,
                      Mutex& mutex) {
  ASSIGN_OR_RETURN(auto vad, MakeVad(config.vad));
  ASSIGN_OR_RETURN(auto piped, RunSpeechPipeline(file.samples, *vad, pool, SystemClock::Instance().Now()));
  RETURN_IF_ERROR(EncodeOggOpus(file.samples, config.opus_bitrate).status());
  MutexLock lock(mutex);
  result.errors += ScoreWords(file.reference, SegmentsText(piped.transcription.segments));
  result.speech_s += piped.transcription.speech_s;
  return Status::Ok();
}

}  // namespace

Result<OneCorePair> RawAndPipelineOnOneCore(const std::vector<BenchFile>& files, const AsrEngineFactory& factory,
                                            const Config& config) {
  // One engine on one thread does the recognising for both, so neither gets a faster core or a
  // warmer decoder than the other.
  ASSIGN_OR_RETURN(auto pool, EnginePool::Create(1, factory));
  OneCorePair pair;
  Mutex mutex;
  for (const BenchFile& file : files) {
    PassTimer raw_timer;
    ASSIGN_OR_RETURN(Recognition heard, pool->Submit(file.samples).get());
    raw_timer.AddTo(pair.raw);
    pair.raw.errors += ScoreWords(file.reference, heard.text);
    PassTimer pipeline_timer;
    RETURN_IF_ERROR(PipelineOnFile(file, *pool, config, pair.pipeline, mutex));
    pipeline_timer.AddTo(pair.pipeline);
  }
  return pair;
}

Result<PassResult> PipelineOnEveryCore(const std::vector<BenchFile>& files, const AsrEngineFactory& factory,
                                       const Config& config, int threads) {
  ASSIGN_OR_RETURN(auto pool, EnginePool::Create(threads, factory));
  PassResult result;
  Mutex mutex;
  PassTimer timer;
  RETURN_IF_ERROR(ForEachFile(files.size(), threads, [&](size_t i, int) -> Status {
    return PipelineOnFile(files[i], *pool, config, result, mutex);
  }));
  timer.Stop(result);
  return result;
}

namespace {

// Waits until every recording has left queued/processing; kInternal when one did not end transcribed.
Status AwaitTranscribed(RecordingStore& recordings, const std::string& tenant, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    while (true) {
      ASSIGN_OR_RETURN(auto recording, recordings.GetRecording(tenant, id));
      if (!recording) return Internal("recording " + id + " vanished");
      if (recording->status == RecordingStatus::kTranscribed) break;
      if (recording->status == RecordingStatus::kFailed) return Internal("recording " + id + " failed: " + recording->error);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<PassResult> ServerPath(const std::vector<BenchFile>& files, const AsrEngineFactory& factory,
                              const Config& base_config) {
  ASSIGN_OR_RETURN(auto scratch, ScratchDirectory::Create("asr-server"));
  Config config = base_config;  // the embedded default, in a data directory of its own
  config.data_dir = scratch.path().string();
  config.database_url.clear();
  config.blob_backend = "filesystem";
  config.encryption_password.clear();
  config.encryption_key_file.clear();
  RETURN_IF_ERROR(PrepareDataDirectory(config));
  ASSIGN_OR_RETURN(Storage storage, OpenStorage(config));
  ASSIGN_OR_RETURN(Tenant tenant, storage.stores().tenants.EnsureTenant("bench"));
  Metrics metrics;
  ASSIGN_OR_RETURN(ProcessingStack processing, StartProcessing(config, storage.stores(), *storage.blobs, metrics, factory, nullptr));
  Ingestor ingestor(storage.stores().recordings, *storage.blobs, config, metrics, [&] { processing.worker->Notify(); });
  std::vector<std::string> bodies;
  for (const BenchFile& file : files) {
    ASSIGN_OR_RETURN(std::string body, ReadWholeFile(file.path));
    bodies.push_back(std::move(body));
  }
  std::vector<std::string> ids;
  PassTimer timer;
  for (size_t i = 0; i < files.size(); ++i) {  // as a client uploads them, one after the other
    ASSIGN_OR_RETURN(auto upload, ingestor.Begin({tenant.id, "application/octet-stream", std::nullopt, std::nullopt}));
    for (size_t at = 0; at < bodies[i].size(); at += 64 * 1024) {
      RETURN_IF_ERROR(upload->Write(std::string_view(bodies[i]).substr(at, 64 * 1024)));
    }
    ASSIGN_OR_RETURN(InsertOutcome outcome, ingestor.Finish(std::move(upload)));
    ids.push_back(outcome.recording.id);
  }
  RETURN_IF_ERROR(AwaitTranscribed(storage.stores().recordings, tenant.id, ids));
  PassResult result;
  timer.Stop(result);
  processing.worker->Stop();
  for (size_t i = 0; i < files.size(); ++i) {
    ASSIGN_OR_RETURN(auto segments, storage.stores().transcripts.GetSegments(tenant.id, ids[i]));
    result.errors += ScoreWords(files[i].reference, SegmentsText(segments));
  }
  return result;
}

namespace {

// `program args…` with stdout captured; its exit status.
int RunCapturing(const std::vector<std::string>& argv, std::string& out) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

Result<PassResult> PocketsphinxContinuous(const std::vector<BenchFile>& files, const std::string& model_dir,
                                          int processes) {
  std::string version;
  if (RunCapturing({"sh", "-c", "command -v pocketsphinx_continuous"}, version) != 0) {
    return NotFound("pocketsphinx_continuous is not installed (Debian package pocketsphinx)");
  }
  std::vector<std::filesystem::path> wavs;
  for (const BenchFile& file : files) {
    wavs.push_back(file.path.parent_path() / "16k" / (file.path.stem().string() + ".wav"));
    if (!std::filesystem::exists(wavs.back())) return NotFound("no 16 kHz copy " + wavs.back().string());
  }
  std::filesystem::path model(model_dir);
  PassResult result;
  std::vector<std::string> heard(files.size());
  PassTimer timer(RUSAGE_CHILDREN);
  RETURN_IF_ERROR(ForEachFile(files.size(), processes, [&](size_t i, int) -> Status {
    std::vector<std::string> argv = {"pocketsphinx_continuous", "-infile", wavs[i].string(),
                                     "-hmm", (model / "en-us").string(), "-lm", (model / "en-us.lm.bin").string(),
                                     "-dict", (model / "cmudict-en-us.dict").string(), "-logfn", "/dev/null"};
    if (RunCapturing(argv, heard[i]) != 0) return Internal("pocketsphinx_continuous failed on " + wavs[i].string());
    return Status::Ok();
  }));
  timer.Stop(result);
  for (size_t i = 0; i < files.size(); ++i) result.errors += ScoreWords(files[i].reference, heard[i]);
  return result;
}

Result<AsrPasses> RunAsrPasses(const std::vector<BenchFile>& files, const AsrEngineFactory& factory,
                               const Config& config) {
  int cores = config.worker_threads;
  AsrPasses passes;
  std::cerr << "raw engine and pipeline, one core, file by file\n";
  ASSIGN_OR_RETURN(OneCorePair one_core, RawAndPipelineOnOneCore(files, factory, config));
  passes.raw_one_core = std::move(one_core.raw);
  passes.pipeline_one_core = std::move(one_core.pipeline);
  std::cerr << "raw engine, " << cores << " cores\n";
  ASSIGN_OR_RETURN(passes.raw_every_core, RawOnEveryCore(files, factory, cores));
  std::cerr << "pipeline, " << cores << " cores\n";
  ASSIGN_OR_RETURN(passes.pipeline_every_core, PipelineOnEveryCore(files, factory, config, cores));
  std::cerr << "server path\n";
  ASSIGN_OR_RETURN(passes.server, ServerPath(files, factory, config));
  std::cerr << "pocketsphinx_continuous\n";
  auto continuous = PocketsphinxContinuous(files, config.pocketsphinx_model_dir, cores);
  if (continuous.ok()) {
    passes.continuous = std::move(*continuous);
  } else {
    passes.continuous_missing = continuous.status().message();
  }
  return passes;
}

namespace {

void TakeMedian(const std::vector<const PassResult*>& runs, PassResult& out) {
  std::vector<double> wall, cpu;
  for (const PassResult* run : runs) {
    wall.push_back(run->wall_s);
    cpu.push_back(run->cpu_s);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  out.wall_s = wall[wall.size() / 2];
  out.cpu_s = cpu[cpu.size() / 2];
}

}  // namespace

AsrPasses MedianOf(const std::vector<AsrPasses>& rounds) {
  AsrPasses median = rounds.front();
  for (PassResult AsrPasses::*pass : {&AsrPasses::raw_one_core, &AsrPasses::pipeline_one_core,
                                      &AsrPasses::raw_every_core, &AsrPasses::pipeline_every_core,
                                      &AsrPasses::server}) {
    std::vector<const PassResult*> runs;
    for (const AsrPasses& round : rounds) runs.push_back(&(round.*pass));
    TakeMedian(runs, median.*pass);
  }
  if (median.continuous) {
    std::vector<const PassResult*> runs;
    for (const AsrPasses& round : rounds) {
      if (round.continuous) runs.push_back(&*round.continuous);
    }
    TakeMedian(runs, *median.continuous);
  }
  return median;
}

}  // namespace reflexio
