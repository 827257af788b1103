// Packing a recording's speech into recogniser windows, and sorting the words back.
//
// An engine that pays for a whole window whatever it holds (Whisper encodes 30 s every time)
// says so through AsrEngine::PackedWindowSeconds; the pipeline then puts several planned speech
// spans (audio/vad.h's PlanSegments), in order and with a short silence between them, into one
// window of up to that length, and the silence between spans is never transcribed. Words come
// back in the window's time and go to the span they were said in, in recording time, so
// segments and capture times are the same as if each span had been transcribed alone. An engine
// without a window length gets one span per window. Pure functions; thread-safe.
#pragma once

#include <span>
#include <vector>

#include "asr/engine.h"
#include "audio/vad.h"

namespace reflexio {

struct PackedWindow {
  struct Piece {
    size_t span = 0;        // index into the planned spans
    double packed_start_s = 0;  // where the span's audio begins in the window
  };
  std::vector<Piece> pieces;
  double length_s = 0;
};

// Consecutive spans, each window holding as many as fit in `window_s` with `gap_s` of silence
// between them; window_s 0 (or a span as long as a window) gives a span its own window.
std::vector<PackedWindow> PackSpans(const std::vector<TimeSpan>& spans, double window_s, double gap_s);

// The window's audio: its spans' samples of the recording, silence between them.
std::vector<float> PackedAudio(std::span<const float> samples_16k, const std::vector<TimeSpan>& spans,
                               const PackedWindow& window);

// Words with times in the window, per piece of it (in piece order) with times in the recording:
// a word belongs to the piece its middle falls in, or the nearer one when it falls in a gap, and
// its times are kept inside that piece.
std::vector<std::vector<RecognizedWord>> UnpackWords(const std::vector<RecognizedWord>& words,
                                                     const std::vector<TimeSpan>& spans, const PackedWindow& window);

}  // namespace reflexio
