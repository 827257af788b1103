// PieceCutter: a continuous 16 kHz mono stream in, pieces of speech out — what the listener keeps.
//
// It holds the stream since the last piece and, every `check_every_s` of new audio, asks the
// batch path's VAD (audio/vad.h: FindSpeech, PlanSegments) where the speech is. Speech that has
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
  PieceCutter(std::unique_ptr<Vad> vad, CutterOptions options = {}) : vad_(std::move(vad)), options_(options) {}
  // Adds samples; answers the pieces they completed.
  Result<std::vector<SpeechPiece>> Push(std::span<const float> samples_16k);
  // The stream ended: speech still pending becomes a piece.
  Result<std::vector<SpeechPiece>> Finish();
  double held_s() const;  // audio held, not yet in a piece

 private:
  Result<std::vector<SpeechPiece>> Cut(bool final);
  void Emit(const TimeSpan& span, std::vector<SpeechPiece>& out) const;
  void DropBefore(double offset_s);

  std::unique_ptr<Vad> vad_;
  CutterOptions options_;
  std::vector<float> held_;
  double held_start_s_ = 0;  // stream offset of held_[0]
  double since_check_s_ = 0;
};

}  // namespace reflexio
