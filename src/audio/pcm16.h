// 16-bit PCM and the float samples in [-1, 1] that the audio code works in: one rule for every
// conversion between them (the recogniser's input, the VAD, WAV, streamed frames, the capture
// ring). Pure functions, thread-safe.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace reflexio {

inline int16_t ToPcm16(float sample) {
  return static_cast<int16_t>(std::lround(std::clamp(sample, -1.0f, 1.0f) * 32767.0f));
}

inline std::vector<int16_t> ToPcm16(std::span<const float> samples) {
  std::vector<int16_t> pcm(samples.size());
  std::transform(samples.begin(), samples.end(), pcm.begin(), [](float x) { return ToPcm16(x); });
  return pcm;
}

inline float FromPcm16(int16_t sample) { return static_cast<float>(sample) / 32768.0f; }

}  // namespace reflexio
