// The speech pipeline on decoded audio: VAD → segments (≤ 30 s, cut at pauses) → ASR of every
// segment in parallel on the EnginePool (packed several to a window for an engine that pays per
// window, pipeline/window_packing.h) → transcript segments with recording-relative word times
// and absolute capture times.
//
// Shared by the job processor, `reflexio transcribe` and the benchmark, so all three measure the
// same thing. Thread-safe as long as each caller passes its own Vad.
#pragma once

#include <functional>
#include <span>

#include "asr/engine_pool.h"
#include "audio/vad.h"
#include "core/status.h"
#include "core/time.h"
#include "storage/database.h"

namespace reflexio {

struct SpeechPipelineResult {
  Transcription transcription;  // audio_path left empty
  double asr_compute_s = 0;     // engine time summed over segments
  std::vector<double> segment_rtf;  // engine time / audio, per window sent
};

// done/total: the pieces of audio sent to the engine (a window each; a window may hold several spans).
using ProgressCallback = std::function<void(int done, int total)>;

// The quality gate (text/quality_gate.h) over a recording's segments in order, each judged
// against the few before it; RunSpeechPipeline applies it to what it returns.
void AssessQuality(std::vector<Segment>& segments);

// local_only: the tenant opted out of remote processing; only local engines may hear the audio.
Result<SpeechPipelineResult> RunSpeechPipeline(std::span<const float> samples_16k, Vad& vad, EnginePool& engines,
                                               TimePoint captured_at, const ProgressCallback& progress = {},
                                               bool local_only = false);

}  // namespace reflexio
