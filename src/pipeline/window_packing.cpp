#include "pipeline/window_packing.h"

#include <algorithm>

#include "audio/decoder.h"

namespace reflexio {

std::vector<PackedWindow> PackSpans(const std::vector<TimeSpan>& spans, double window_s, double gap_s) {
  std::vector<PackedWindow> windows;
  for (size_t i = 0; i < spans.size(); ++i) {
    double length = spans[i].Length();
    bool fits = !windows.empty() && window_s > 0 && windows.back().length_s + gap_s + length <= window_s;
    if (!fits) {
      windows.push_back({{{i, 0.0}}, length});
      continue;
    }
    PackedWindow& window = windows.back();
    window.pieces.push_back({i, window.length_s + gap_s});
    window.length_s += gap_s + length;
  }
  return windows;
}

std::vector<float> PackedAudio(std::span<const float> samples, const std::vector<TimeSpan>& spans,
                               const PackedWindow& window) {
  std::vector<float> audio;
  for (const PackedWindow::Piece& piece : window.pieces) {
    size_t at = static_cast<size_t>(piece.packed_start_s * kSampleRate + 0.5);
    if (audio.size() < at) audio.resize(at, 0.0f);
    std::span<const float> piece_samples = SamplesIn(samples, spans[piece.span]);
    audio.insert(audio.end(), piece_samples.begin(), piece_samples.end());
  }
  return audio;
}

std::vector<std::vector<RecognizedWord>> UnpackWords(const std::vector<RecognizedWord>& words,
                                                     const std::vector<TimeSpan>& spans, const PackedWindow& window) {
  const auto& pieces = window.pieces;
  std::vector<std::vector<RecognizedWord>> out(pieces.size());
  auto piece_end = [&](size_t k) { return pieces[k].packed_start_s + spans[pieces[k].span].Length(); };
  for (const RecognizedWord& word : words) {
    double middle = (word.start_s + word.end_s) / 2;
    size_t k = 0;
    while (k + 1 < pieces.size() && middle >= pieces[k + 1].packed_start_s) ++k;
    if (k + 1 < pieces.size() && middle > piece_end(k) &&
        pieces[k + 1].packed_start_s - middle < middle - piece_end(k)) {
      ++k;
    }
    const TimeSpan& span = spans[pieces[k].span];
    auto to_recording = [&](double t) {
      return span.start_s + std::clamp(t - pieces[k].packed_start_s, 0.0, span.Length());
    };
    RecognizedWord moved = word;
    moved.start_s = to_recording(word.start_s);
    moved.end_s = std::max(moved.start_s, to_recording(word.end_s));
    out[k].push_back(std::move(moved));
  }
  return out;
}

}  // namespace reflexio
