#include "asr/whisper/features.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace reflexio {

namespace {

constexpr int kBins = kWhisperFftSize / 2 + 1;  // 201

double HzToSlaneyMel(double hz) {
  constexpr double kMinLogHz = 1000.0, kMinLogMel = 15.0;
  const double log_step = 27.0 / std::log(6.4);
  return hz >= kMinLogHz ? kMinLogMel + std::log(hz / kMinLogHz) * log_step : 3.0 * hz / 200.0;
}

double SlaneyMelToHz(double mel) {
  constexpr double kMinLogHz = 1000.0, kMinLogMel = 15.0;
  const double log_step = std::log(6.4) / 27.0;
  return mel >= kMinLogMel ? kMinLogHz * std::exp(log_step * (mel - kMinLogMel)) : 200.0 * mel / 3.0;
}

// The windowed DFT as a matrix: [n_fft][2·bins], cosine then sine columns per bin.
const std::vector<double>& DftMatrix() {
  static const std::vector<double> matrix = [] {
    std::vector<double> m(static_cast<size_t>(kWhisperFftSize) * 2 * kBins);
    for (int n = 0; n < kWhisperFftSize; ++n) {
      double window = 0.5 - 0.5 * std::cos(2 * M_PI * n / kWhisperFftSize);  // periodic Hann
      for (int k = 0; k < kBins; ++k) {
        // The angle reduced exactly in integers first, so large n·k lose no precision.
        double angle = 2 * M_PI * static_cast<double>((static_cast<int64_t>(n) * k) % kWhisperFftSize) /
                       kWhisperFftSize;
        m[static_cast<size_t>(n) * 2 * kBins + k] = window * std::cos(angle);
        m[static_cast<size_t>(n) * 2 * kBins + kBins + k] = -window * std::sin(angle);
      }
    }
    return m;
  }();
  return matrix;
}

}  // namespace

std::vector<double> WhisperMelFilters(int n_mels) {
  std::vector<double> fft_freqs(kBins);
  for (int k = 0; k < kBins; ++k) fft_freqs[k] = (kWhisperSampleRate / 2.0) * k / (kBins - 1);
  double mel_min = HzToSlaneyMel(0.0), mel_max = HzToSlaneyMel(8000.0);
  std::vector<double> filter_freqs(n_mels + 2);
  for (int i = 0; i < n_mels + 2; ++i) {
    filter_freqs[i] = SlaneyMelToHz(mel_min + (mel_max - mel_min) * i / (n_mels + 1));
  }
  std::vector<double> filters(static_cast<size_t>(kBins) * n_mels);
  for (int m = 0; m < n_mels; ++m) {
    double lower = filter_freqs[m], centre = filter_freqs[m + 1], upper = filter_freqs[m + 2];
    double norm = 2.0 / (upper - lower);
    for (int k = 0; k < kBins; ++k) {
      double down = (fft_freqs[k] - lower) / (centre - lower);
      double up = (upper - fft_freqs[k]) / (upper - centre);
      filters[static_cast<size_t>(k) * n_mels + m] = std::max(0.0, std::min(down, up)) * norm;
    }
  }
  return filters;
}

std::vector<float> WhisperLogMel(std::span<const float> samples_16k, int n_mels) {
  // 30 s, zero-padded, then reflect-padded by n_fft/2 on both sides (centred frames).
  constexpr int kPad = kWhisperFftSize / 2;
  std::vector<double> padded(kWhisperWindowSamples + 2 * kPad, 0.0);
  size_t n = std::min(samples_16k.size(), static_cast<size_t>(kWhisperWindowSamples));
  for (size_t i = 0; i < n; ++i) padded[kPad + i] = samples_16k[i];
  for (int i = 0; i < kPad; ++i) {
    padded[kPad - 1 - i] = padded[kPad + 1 + i];
    padded[kPad + kWhisperWindowSamples + i] = padded[kPad + kWhisperWindowSamples - 2 - i];
  }
  // Overlapping frames copied into rows (BLAS needs a leading dimension of at least n_fft).
  const int frames = kWhisperFrames;  // the reference drops the last of 3001
  std::vector<double> frame_rows(static_cast<size_t>(frames) * kWhisperFftSize);
  for (int t = 0; t < frames; ++t) {
    std::copy_n(padded.data() + static_cast<size_t>(t) * kWhisperHop, kWhisperFftSize,
                frame_rows.data() + static_cast<size_t>(t) * kWhisperFftSize);
  }
  std::vector<double> spectrum(static_cast<size_t>(frames) * 2 * kBins);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, frames, 2 * kBins, kWhisperFftSize, 1.0, frame_rows.data(),
              kWhisperFftSize, DftMatrix().data(), 2 * kBins, 0.0, spectrum.data(), 2 * kBins);
  std::vector<double> power(static_cast<size_t>(frames) * kBins);
  for (int t = 0; t < frames; ++t) {
    const double* row = spectrum.data() + static_cast<size_t>(t) * 2 * kBins;
    for (int k = 0; k < kBins; ++k) power[static_cast<size_t>(t) * kBins + k] = row[k] * row[k] + row[kBins + k] * row[kBins + k];
  }
  std::vector<double> filters = WhisperMelFilters(n_mels);
  std::vector<double> mel(static_cast<size_t>(frames) * n_mels);  // [frames][n_mels]
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, frames, n_mels, kBins, 1.0, power.data(), kBins,
              filters.data(), n_mels, 0.0, mel.data(), n_mels);
  double max_log = -1e300;
  for (double& v : mel) {
    v = std::log10(std::max(v, 1e-10));
    max_log = std::max(max_log, v);
  }
  std::vector<float> out(static_cast<size_t>(n_mels) * frames);
  for (int t = 0; t < frames; ++t) {
    for (int m = 0; m < n_mels; ++m) {
      double v = std::max(mel[static_cast<size_t>(t) * n_mels + m], max_log - 8.0);
      out[static_cast<size_t>(m) * frames + t] = static_cast<float>((v + 4.0) / 4.0);
    }
  }
  return out;
}

}  // namespace reflexio
