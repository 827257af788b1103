#include "model/recording.h"

namespace reflexio {

const char* ToString(RecordingStatus status) {
  switch (status) {
    case RecordingStatus::kQueued: return "queued";
    case RecordingStatus::kProcessing: return "processing";
    case RecordingStatus::kTranscribed: return "transcribed";
    case RecordingStatus::kFailed: return "failed";
  }
  return "queued";
}

RecordingStatus ParseRecordingStatus(const std::string& text) {
  if (text == "processing") return RecordingStatus::kProcessing;
  if (text == "transcribed") return RecordingStatus::kTranscribed;
  if (text == "failed") return RecordingStatus::kFailed;
  return RecordingStatus::kQueued;
}

}  // namespace reflexio
