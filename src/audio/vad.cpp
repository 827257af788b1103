#include "audio/vad.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

#include "audio/decoder.h"
#include "audio/pcm16.h"

namespace reflexio {

namespace {

constexpr size_t kFrameSamples = kSampleRate / 100;

std::vector<double> FrameLevelsDb(std::span<const float> samples) {
  std::vector<double> levels(samples.size() / kFrameSamples);
  for (size_t f = 0; f < levels.size(); ++f) {
    double sum = 0;
    for (size_t i = 0; i < kFrameSamples; ++i) {
      double x = samples[f * kFrameSamples + i];
      sum += x * x;
    }
    levels[f] = 10 * std::log10(sum / kFrameSamples + 1e-10);
  }
  return levels;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return -100;
  size_t k = static_cast<size_t>(p * (values.size() - 1));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

}  // namespace

Result<std::vector<bool>> EnergyVad::ClassifyFrames(std::span<const float> samples) {
  std::vector<double> levels = FrameLevelsDb(samples);
  // Smooth over 30 ms so single quiet frames inside a syllable do not flip the decision.
  std::vector<double> smooth(levels.size());
  for (size_t i = 0; i < levels.size(); ++i) {
    double s = levels[i];
    int n = 1;
    if (i > 0) { s += levels[i - 1]; ++n; }
    if (i + 1 < levels.size()) { s += levels[i + 1]; ++n; }
    smooth[i] = s / n;
  }
  double floor = Percentile(smooth, 0.10);
  double loud = Percentile(smooth, 0.95);
  std::vector<bool> speech(levels.size(), false);
  if (loud < -60) return speech;  // nothing above a whisper in the whole recording
  double threshold = std::max({floor + 0.3 * (loud - floor), loud - 35.0, floor + 3.0});
  for (size_t i = 0; i < smooth.size(); ++i) speech[i] = smooth[i] > threshold;
  return speech;
}

namespace {

std::unique_ptr<webrtc::AudioProcessing> NewVoiceDetector() {
  std::unique_ptr<webrtc::AudioProcessing> apm(webrtc::AudioProcessing::Create());
  if (!apm) return nullptr;
  apm->voice_detection()->Enable(true);
  apm->voice_detection()->set_likelihood(webrtc::VoiceDetection::kModerateLikelihood);
  apm->voice_detection()->set_frame_size_ms(10);
  return apm;
}

// Labels each whole 10 ms frame of `samples` with what `apm` hears, its state carried on.
Result<std::vector<bool>> Classify(webrtc::AudioProcessing& apm, std::span<const float> samples) {
  webrtc::AudioFrame frame;
  frame.sample_rate_hz_ = kSampleRate;
  frame.num_channels_ = 1;
  frame.samples_per_channel_ = kFrameSamples;
  std::vector<bool> speech(samples.size() / kFrameSamples, false);
  for (size_t f = 0; f < speech.size(); ++f) {
    for (size_t i = 0; i < kFrameSamples; ++i) {
      frame.data_[i] = ToPcm16(samples[f * kFrameSamples + i]);
    }
    if (apm.ProcessStream(&frame) != webrtc::AudioProcessing::kNoError) {
      return Internal("the WebRTC voice detector rejected a frame");
    }
    speech[f] = apm.voice_detection()->stream_has_voice();
  }
  return speech;
}

}  // namespace

Result<std::vector<bool>> WebRtcVad::ClassifyFrames(std::span<const float> samples) {
  auto apm = NewVoiceDetector();
  if (!apm) return Internal("cannot create the WebRTC audio processor");
  return Classify(*apm, samples);
}

struct WebRtcStreamVad::Processor {
  std::unique_ptr<webrtc::AudioProcessing> apm = NewVoiceDetector();
};

WebRtcStreamVad::WebRtcStreamVad() : processor_(std::make_unique<Processor>()) {}
WebRtcStreamVad::~WebRtcStreamVad() = default;

Result<std::vector<bool>> WebRtcStreamVad::ClassifyFrames(std::span<const float> samples) {
  if (!processor_->apm) return Internal("cannot create the WebRTC audio processor");
  return Classify(*processor_->apm, samples);
}

Result<std::unique_ptr<Vad>> MakeVad(const std::string& name) {
  if (name == "energy") return std::unique_ptr<Vad>(std::make_unique<EnergyVad>());
  if (name == "webrtc") return std::unique_ptr<Vad>(std::make_unique<WebRtcVad>());
  return InvalidArgument("unknown VAD '" + name + "' (energy or webrtc)", "invalid_config");
}

Result<SpeechMap> FindSpeech(std::span<const float> samples, Vad& vad, const SpeechOptions& options) {
  ASSIGN_OR_RETURN(std::vector<bool> frames, vad.ClassifyFrames(samples));
  return SpeechFromFrames(frames, samples.size(), options);
}

SpeechMap SpeechFromFrames(const std::vector<bool>& frames, size_t samples, const SpeechOptions& options) {
  const int min_pause = static_cast<int>(options.min_pause_s / kVadFrameSeconds);
  const int min_speech = static_cast<int>(options.min_speech_s / kVadFrameSeconds);
  // Runs of speech frames as [begin, end) frame indices.
  std::vector<std::pair<int, int>> runs;
  for (int i = 0, n = static_cast<int>(frames.size()); i < n;) {
    if (!frames[i]) { ++i; continue; }
    int j = i;
    while (j < n && frames[j]) ++j;
    if (!runs.empty() && i - runs.back().second < min_pause) runs.back().second = j;
    else runs.emplace_back(i, j);
    i = j;
  }
  SpeechMap map;
  const double total_s = samples / double(kSampleRate);
  for (auto [b, e] : runs) {
    if (e - b < min_speech) continue;
    map.speech_seconds += (e - b) * kVadFrameSeconds;
    TimeSpan span{std::max(0.0, b * kVadFrameSeconds - options.padding_s),
                  std::min(total_s, e * kVadFrameSeconds + options.padding_s)};
    if (!map.regions.empty() && span.start_s <= map.regions.back().end_s) {
      map.regions.back().end_s = span.end_s;
    } else {
      map.regions.push_back(span);
    }
  }
  return map;
}

namespace {
// The quietest 10 ms point in [from, to), as a time; used to cut over-long speech.
double QuietestPoint(std::span<const float> samples, double from, double to) {
  size_t begin = static_cast<size_t>(from * 100), end = static_cast<size_t>(to * 100);
  double best_level = 1e9, best_time = to;
  for (size_t f = begin; f < end && (f + 1) * kFrameSamples <= samples.size(); ++f) {
    double sum = 0;
    for (size_t i = 0; i < kFrameSamples; ++i) sum += samples[f * kFrameSamples + i] * samples[f * kFrameSamples + i];
    if (sum < best_level) { best_level = sum; best_time = f * kVadFrameSeconds; }
  }
  return best_time;
}
}  // namespace

std::span<const float> SamplesIn(std::span<const float> samples, const TimeSpan& span) {
  size_t begin = std::min(samples.size(), static_cast<size_t>(span.start_s * kSampleRate));
  size_t end = std::min(samples.size(), static_cast<size_t>(span.end_s * kSampleRate));
  return samples.subspan(begin, std::max(begin, end) - begin);
}

std::vector<TimeSpan> PlanSegments(std::span<const float> samples, const std::vector<TimeSpan>& regions,
                                   const SegmentOptions& options) {
  // First cut any single region longer than the maximum at its quietest points.
  std::vector<TimeSpan> pieces;
  for (TimeSpan r : regions) {
    while (r.Length() > options.max_segment_s) {
      double cut = QuietestPoint(samples, r.start_s + options.max_segment_s / 2, r.start_s + options.max_segment_s);
      if (cut <= r.start_s + 0.5) cut = r.start_s + options.max_segment_s;
      pieces.push_back({r.start_s, cut});
      r.start_s = cut;
    }
    pieces.push_back(r);
  }
  // Then join neighbours separated by short pauses while the result still fits.
  std::vector<TimeSpan> segments;
  for (const TimeSpan& p : pieces) {
    if (!segments.empty() && p.start_s - segments.back().end_s < options.join_gap_s &&
        p.end_s - segments.back().start_s <= options.max_segment_s) {
      segments.back().end_s = p.end_s;
    } else {
      segments.push_back(p);
    }
  }
  return segments;
}

}  // namespace reflexio
