// RecordingProcessor: runs one transcription job end to end — decode the upload, keep it as
// Ogg/Opus for replay, run the speech pipeline, and commit the transcript together with the
// job's completion. Every step is idempotent, so a job retried after a crash redoes it safely.
// Thread-safe: each call builds its own VAD; the EnginePool is shared.
#pragma once

#include <filesystem>
#include <string>

#include "asr/engine_pool.h"
#include "core/config.h"
#include "core/metrics.h"
#include "jobs/worker.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace reflexio {

class RecordingProcessor {
 public:
  RecordingProcessor(const Stores& stores, BlobStore& blobs, EnginePool& engines, const Config& config, Metrics& metrics);
  JobOutcome Process(const Job& job);

 private:
  Stores stores_;
  BlobStore& blobs_;
  EnginePool& engines_;
  std::string vad_name_;
  int opus_bitrate_;
  int default_audio_retention_hours_;
  Metrics& metrics_;
};

}  // namespace reflexio
