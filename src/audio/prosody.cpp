#include "audio/prosody.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "audio/decoder.h"

namespace reflexio {

namespace {

constexpr size_t kFrame = kSampleRate * 40 / 1000;
constexpr size_t kHop = kSampleRate * 10 / 1000;
constexpr int kMinLag = kSampleRate / 400;  // 400 Hz
constexpr int kMaxLag = kSampleRate / 70;   // 70 Hz
constexpr double kLoudnessFloorDb = -45;
constexpr double kPeriodicity = 0.5;
constexpr double kOctaveTolerance = 0.02;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * (values.size() - 1) + 0.5))];
}

double Clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

double Round3(double v) { return std::round(v * 1000) / 1000; }

}  // namespace

Prosody MeasureProsody(std::span<const float> samples, int words) {
  Prosody p;
  std::vector<double> pitches, loudness;
  std::vector<double> squares(kFrame + 1), correlation(kMaxLag + 1);
  size_t frames = 0, quiet = 0;
  for (size_t start = 0; start + kFrame <= samples.size(); start += kHop, ++frames) {
    std::span<const float> frame = samples.subspan(start, kFrame);
    double energy = 0;
    for (float s : frame) energy += double(s) * s;
    double rms_db = 10 * std::log10(energy / kFrame + 1e-12);
    if (rms_db < kLoudnessFloorDb) {
      ++quiet;
      continue;
    }
    // Running sums of squares give each lag's two energies at once; only the cross term is a loop.
    squares[0] = 0;
    for (size_t i = 0; i < kFrame; ++i) squares[i + 1] = squares[i] + double(frame[i]) * frame[i];
    double best = 0;
    for (int lag = kMinLag; lag <= kMaxLag; ++lag) {
      double cross = 0;
      for (size_t i = 0; i + lag < kFrame; ++i) cross += double(frame[i]) * frame[i + lag];
      double a = squares[kFrame - lag], b = squares[kFrame] - squares[lag];
      correlation[lag] = cross / std::sqrt(a * b + 1e-12);
      best = std::max(best, correlation[lag]);
    }
    // A periodic signal correlates as well at two and three periods as at one: the first peak
    // that nearly matches the best is the period, not its multiples (octave errors).
    int best_lag = 0;
    for (int lag = kMinLag; lag <= kMaxLag && best_lag == 0; ++lag) {
      bool peak = (lag == kMinLag || correlation[lag] >= correlation[lag - 1]) &&
                  (lag == kMaxLag || correlation[lag] >= correlation[lag + 1]);
      if (peak && correlation[lag] >= best - kOctaveTolerance) best_lag = lag;
    }
    if (best >= kPeriodicity && best_lag > 0) {
      pitches.push_back(double(kSampleRate) / best_lag);
      loudness.push_back(rms_db);
    }
  }
  if (frames == 0) return p;
  p.voiced_fraction = double(pitches.size()) / frames;
  p.pause_fraction = double(quiet) / frames;
  if (!pitches.empty()) {
    p.pitch_median_hz = Percentile(pitches, 0.5);
    p.pitch_range_semitones = 12 * std::log2(Percentile(pitches, 0.9) / Percentile(pitches, 0.1));
    double sum = 0;
    for (double l : loudness) sum += l;
    p.loudness_db = sum / loudness.size();
    p.loudness_range_db = Percentile(loudness, 0.9) - Percentile(loudness, 0.1);
  }
  double seconds = double(samples.size()) / kSampleRate;
  p.speaking_rate_wps = seconds > 0 ? words / seconds : 0;
  p.arousal = Arousal(p);
  return p;
}

double Arousal(const Prosody& p) {
  if (p.voiced_fraction <= 0) return 0;
  double loud = Clamp01((p.loudness_db + 40) / 30);
  double lively = Clamp01(p.pitch_range_semitones / 12);
  double fast = Clamp01((p.speaking_rate_wps - 1) / 3);
  return (loud + lively + fast) / 3;
}

std::string ProsodyJson(const Prosody& p) {
  nlohmann::json out = {{"voiced_fraction", Round3(p.voiced_fraction)},
                        {"pause_fraction", Round3(p.pause_fraction)},
                        {"pitch_median_hz", Round3(p.pitch_median_hz)},
                        {"pitch_range_semitones", Round3(p.pitch_range_semitones)},
                        {"loudness_db", Round3(p.loudness_db)},
                        {"loudness_range_db", Round3(p.loudness_range_db)},
                        {"speaking_rate_wps", Round3(p.speaking_rate_wps)},
                        {"arousal", Round3(p.arousal)}};
  return out.dump();
}

}  // namespace reflexio
