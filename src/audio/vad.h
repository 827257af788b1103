// Voice activity detection and the cutting of speech into ASR-sized segments.
//
// A Vad labels 10 ms frames of 16 kHz mono audio as speech or not. EnergyVad (our own) adapts
// its threshold to each recording's noise floor and speech level, so it needs the whole
// recording; WebRtcVad wraps the VAD in Debian's webrtc-audio-processing. FindSpeech() turns
// frame labels into padded regions; PlanSegments() groups regions into segments no longer than
// max_segment_s, splitting at pauses (the quietest point when a single stretch of speech runs
// longer). Vad instances are not thread-safe; create one per thread.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace reflexio {

constexpr double kVadFrameSeconds = 0.01;

class Vad {
 public:
  virtual ~Vad() = default;
  virtual std::string Name() const = 0;
  virtual Result<std::vector<bool>> ClassifyFrames(std::span<const float> samples_16k) = 0;
};

class EnergyVad : public Vad {
 public:
  std::string Name() const override { return "energy"; }
  Result<std::vector<bool>> ClassifyFrames(std::span<const float> samples_16k) override;
};

class WebRtcVad : public Vad {
 public:
  std::string Name() const override { return "webrtc"; }
  Result<std::vector<bool>> ClassifyFrames(std::span<const float> samples_16k) override;
};

// WebRTC's detector over one continuous stream: each call classifies the frames that follow
// those of the call before, its state carried on, so a stream is classified once, frame by
// frame, as it arrives (the piece cutter's). Not thread-safe.
class WebRtcStreamVad : public Vad {
 public:
  WebRtcStreamVad();
  ~WebRtcStreamVad() override;
  std::string Name() const override { return "webrtc-stream"; }
  Result<std::vector<bool>> ClassifyFrames(std::span<const float> samples_16k) override;

 private:
  struct Processor;
  std::unique_ptr<Processor> processor_;
};

Result<std::unique_ptr<Vad>> MakeVad(const std::string& name);

struct TimeSpan {
  double start_s = 0;
  double end_s = 0;
  double Length() const { return end_s - start_s; }
};

// The 16 kHz samples of `span`, clipped to those there are (empty when it lies past the end).
std::span<const float> SamplesIn(std::span<const float> samples_16k, const TimeSpan& span);

struct SpeechOptions {
  double min_pause_s = 0.3;    // shorter silences inside speech are bridged
  double min_speech_s = 0.12;  // shorter bursts are noise
  double padding_s = 0.2;      // context kept around each region for the recogniser
};

struct SpeechMap {
  std::vector<TimeSpan> regions;  // padded, non-overlapping, in order
  double speech_seconds = 0;      // unpadded speech
};

Result<SpeechMap> FindSpeech(std::span<const float> samples_16k, Vad& vad,
                             const SpeechOptions& options = {});
// The same from frames already classified (one label per 10 ms of `samples` samples).
SpeechMap SpeechFromFrames(const std::vector<bool>& frames, size_t samples, const SpeechOptions& options = {});

struct SegmentOptions {
  double max_segment_s = 30;
  double join_gap_s = 1.0;  // regions closer than this share a segment while it fits
};

std::vector<TimeSpan> PlanSegments(std::span<const float> samples_16k,
                                   const std::vector<TimeSpan>& regions,
                                   const SegmentOptions& options = {});

}  // namespace reflexio
