// AudioInput: where the listener's audio comes from — 16 kHz mono 16-bit samples at the pace the
// device gives them — and the PulseAudio implementation (PipeWire serves the same protocol).
//
// Read() blocks until the buffer is full; only the capture thread calls it, and that thread does
// nothing else, so the device is never kept waiting by the disk or the network. The first
// sample's wall time comes from the capture clock: each read bounds it (now, less the audio read
// so far), and the estimate is the tightest bound yet — it can only move earlier, and settles
// within the first reads. Thread-compatible: one capture thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace reflexio {

class AudioInput {
 public:
  virtual ~AudioInput() = default;
  virtual std::string Describe() const = 0;
  virtual Status Read(std::span<int16_t> samples) = 0;
  // The wall time of the stream's first sample, estimated once the first Read() returned.
  virtual TimePoint first_sample_at() const = 0;
};

struct AudioDevice {
  std::string name;         // what --device takes
  std::string description;  // what a person reads
  bool is_default = false;
};

// `source`: a PulseAudio source name, "" for the default one. `server`: "" for the usual one
// (PULSE_SERVER, the user's session).
Result<std::unique_ptr<AudioInput>> OpenPulseInput(const std::string& source, const std::string& server = "");
Result<std::vector<AudioDevice>> ListPulseSources(const std::string& server = "");

}  // namespace reflexio
