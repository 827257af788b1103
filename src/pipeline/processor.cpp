#include "pipeline/processor.h"

#include "audio/decoder.h"
#include "audio/opus_encoder.h"
#include "audio/vad.h"
#include "core/log.h"
#include "pipeline/speech_pipeline.h"
#include "pipeline/stored_audio.h"

namespace reflexio {


RecordingProcessor::RecordingProcessor(const Stores& stores, BlobStore& blobs, EnginePool& engines, const Config& config,
                                       Metrics& metrics)
    : stores_(stores), blobs_(blobs), engines_(engines), vad_name_(config.vad),
      opus_bitrate_(config.opus_bitrate), default_audio_retention_hours_(config.audio_retention_hours),
      metrics_(metrics) {}

JobOutcome RecordingProcessor::Process(const Job& job) {
  auto fail = [](std::string stage, Status status) { return JobOutcome{std::move(status), std::move(stage)}; };
  auto found = stores_.recordings.GetRecording(job.tenant_id, job.recording_id);
  if (!found.ok()) return fail("load", found.status());
  if (!found->has_value()) return fail("load", NotFound("recording " + job.recording_id + " no longer exists"));
  const Recording& recording = **found;
  if (recording.source_path.empty()) return fail("load", NotFound("the upload of " + recording.id + " is gone"));

  auto settings = stores_.privacy.GetTenantSettings(recording.tenant_id);
  if (!settings.ok()) return fail("load", settings.status());
  auto audio = DecodeStoredAudio(blobs_, recording.source_path);
  if (!audio.ok()) return fail(IsUndecodable(audio.status()) ? "decode" : "load", audio.status());

  // With an audio retention of 0 hours the audio is never stored: it goes with the upload.
  bool keep_audio = settings->audio_retention_hours.value_or(default_audio_retention_hours_) > 0;
  std::string audio_key = "audio/" + recording.tenant_id + "/" + recording.id + ".opus";
  if (keep_audio) {
    auto opus = EncodeOggOpus(audio->samples, opus_bitrate_);
    if (!opus.ok()) return fail("store_audio", opus.status());
    Status stored = blobs_.Put(audio_key, *opus);
    if (!stored.ok()) return fail("store_audio", stored);
  }

  auto vad = MakeVad(vad_name_);
  if (!vad.ok()) return fail("asr", vad.status());
  auto result = RunSpeechPipeline(audio->samples, **vad, engines_, recording.captured_at, {},
                                  /*local_only=*/settings->opt_out_training);
  if (!result.ok()) return fail("asr", result.status());
  result->transcription.audio_path = keep_audio ? audio_key : "";

  Status committed = stores_.transcripts.CompleteTranscription(job, result->transcription);
  if (!committed.ok()) return fail("store", committed);
  Status removed = blobs_.Delete(recording.source_path);
  if (!removed.ok()) LOG_WARN("cannot remove processed upload " << recording.source_path << ": " << removed.message());

  metrics_.CountAudio(result->transcription.duration_s, result->transcription.speech_s);
  for (double rtf : result->segment_rtf) metrics_.ObserveAsrRealTimeFactor(result->transcription.engine, rtf);
  LOG_INFO("recording " << recording.id << " transcribed: " << result->transcription.segments.size()
                        << " segments, " << result->transcription.speech_s << " s speech of "
                        << result->transcription.duration_s << " s");
  return {Status::Ok(), ""};
}

}  // namespace reflexio
