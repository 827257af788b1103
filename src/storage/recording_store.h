// RecordingStore: recordings as received — their rows, not what was said in them (that is
// TranscriptStore). Every call names its tenant and sees only that tenant's rows; another
// tenant's recording is reported as not found. Implementations are thread-safe.
//
// InsertRecording stores the row and its first job atomically; with an Idempotency-Key already
// used by this tenant it returns that recording instead. ListRecordings is newest first by
// capture time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/page.h"
#include "model/recording.h"

namespace reflexio {

class RecordingStore {
 public:
  virtual ~RecordingStore() = default;

  virtual Result<InsertOutcome> InsertRecording(const Recording& recording, const std::string& job_kind,
                                                int max_attempts) = 0;
  virtual Result<std::optional<Recording>> FindByIdempotencyKey(const std::string& tenant_id,
                                                                const std::string& key) = 0;
  // The greatest Idempotency-Key (in byte order) of the tenant's recordings that begins with
  // `prefix`: how a stream finds where it left off (api/stream_ingest.h keys its pieces so).
  virtual Result<std::optional<std::string>> LastIdempotencyKeyWithPrefix(const std::string& tenant_id,
                                                                          const std::string& prefix) = 0;
  virtual Result<std::optional<Recording>> GetRecording(const std::string& tenant_id, const std::string& id) = 0;
  virtual Result<Page<Recording>> ListRecordings(const std::string& tenant_id, const TimeRange& range,
                                                 int limit, const std::string& cursor) = 0;
  // Finished (transcribed or failed) recordings captured before `cutoff`, oldest first; with
  // `with_audio_only`, only those that still have stored audio.
  virtual Result<std::vector<Recording>> ListFinishedCapturedBefore(const std::string& tenant_id, TimePoint cutoff,
                                                                    bool with_audio_only, int limit) = 0;
  virtual Status ForgetAudio(const std::string& tenant_id, const std::string& recording_id) = 0;
  // The recording with its segments (and so their index entries) and jobs, in one transaction.
  // An episode that held any of its segments loses its insights and is enriched again from what
  // is left (or goes, when nothing is).
  virtual Status DeleteRecording(const std::string& tenant_id, const std::string& recording_id) = 0;
};

}  // namespace reflexio
