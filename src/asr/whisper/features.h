// Whisper's front end: log-mel features exactly as the reference feature extractor computes
// them — 30 s of 16 kHz audio (zero-padded or cut), a 400-point STFT with a periodic Hann
// window every 160 samples (centred, reflect-padded), power spectrum, slaney mel filters up to
// 8 kHz, log10 of at least 1e-10, clamped to 8 below the maximum, then (x + 4) / 4.
//
// The transform is done in double precision (as the reference does) through BLAS. Pure
// functions; thread-safe.
#pragma once

#include <span>
#include <vector>

namespace reflexio {

inline constexpr int kWhisperSampleRate = 16000;
inline constexpr int kWhisperFftSize = 400;
inline constexpr int kWhisperHop = 160;
inline constexpr int kWhisperWindowSamples = 30 * kWhisperSampleRate;
inline constexpr int kWhisperFrames = kWhisperWindowSamples / kWhisperHop;  // 3000

// [1 + n_fft/2][n_mels], row-major: the slaney-normalised triangular filters on the slaney scale.
std::vector<double> WhisperMelFilters(int n_mels);

// [n_mels][3000], row-major, for up to 30 s of audio (the rest is ignored).
std::vector<float> WhisperLogMel(std::span<const float> samples_16k, int n_mels);

}  // namespace reflexio
