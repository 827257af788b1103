// PieceCutter: a continuous 16 kHz mono stream in, pieces of speech out — what the listener keeps,
// and what the server keeps of a stream (api/stream_ingest.h).
//
// It holds the stream since the last piece, labels each 10 ms of it once as it arrives (WebRTC's
// detector over the whole stream, audio/vad.h) and, every `check_every_s` of new audio, finds
// where the held speech is as the batch path does (SpeechFromFrames, PlanSegments). Speech that has
// been followed by `pause_s` of quiet becomes a piece, reaching `preroll_s` before its first word
// and after its last; speech still going when `max_piece_s` is held is cut at its quietest pause
// (or at the bound). Quiet is kept only as pre-roll: silence is never a piece. Each piece knows
// its offset from the stream's first sample, so its capture time is the capture clock's. Pauses
// shorter than `pause_s` stay inside a piece, so a conversation is a few pieces, not one per breath.
// Thread-compatible: one processing thread feeds it.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "audio/vad.h"
#include "core/status.h"

namespace reflexio {

struct CutterOptions {
  double max_piece_s = 30;
  double pause_s = 2.0;
  double preroll_s = 0.3;
  double check_every_s = 0.5;
};

struct SpeechPiece {
  double start_s = 0;  // of its first sample, from the stream's first sample
  std::vector<float> samples;
};

class PieceCutter {
 public:
  explicit PieceCutter(CutterOptions options = {}) : options_(options) {}
  // Adds samples; answers the pieces they completed.
  Result<std::vector<SpeechPiece>> Push(std::span<const float> samples_16k);
  // The stream ended: speech still pending becomes a piece.
  Result<std::vector<SpeechPiece>> Finish();
  double held_s() const;  // audio held, not yet in a piece
  // The samples held, and their offset from the stream's first sample: everything before it is
  // in a piece already or was dropped as quiet.
  std::span<const float> held() const { return held_; }
  double decided_s() const { return held_start_s_; }

 private:
  Result<std::vector<SpeechPiece>> Cut(bool final);
  void Emit(const TimeSpan& span, std::vector<SpeechPiece>& out) const;
  void DropBefore(double offset_s);

  Status Label();  // the frames held and not labelled yet

  WebRtcStreamVad vad_;
  CutterOptions options_;
  std::vector<float> held_;
  std::vector<bool> labels_;  // one per whole 10 ms frame of held_, from its start
  double held_start_s_ = 0;  // stream offset of held_[0]
  double since_check_s_ = 0;
};

}  // namespace reflexio
