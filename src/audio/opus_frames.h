// Raw Opus packets (no container) of 16 kHz mono audio, one per frame: what a stream carries
// (docs/streaming.md). The encoder is the client's; the decoder and MuxOggOpus the server's,
// which keeps a stream's speech as the packets it was sent, in Ogg, without encoding it again.
// Encoders and decoders keep the codec's state between frames, so use one per stream; not
// thread-safe. MuxOggOpus is a pure function.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct OpusEncoder;
struct OpusDecoder;

namespace reflexio {

class OpusFrameEncoder {
 public:
  static Result<std::unique_ptr<OpusFrameEncoder>> Create(int bitrate = 16000);
  ~OpusFrameEncoder();
  // One frame of 2.5, 5, 10, 20, 40 or 60 ms of samples → one packet.
  Result<std::string> Encode(std::span<const float> samples_16k);

 private:
  explicit OpusFrameEncoder(OpusEncoder* encoder) : encoder_(encoder) {}
  OpusEncoder* encoder_;
};

class OpusFrameDecoder {
 public:
  static Result<std::unique_ptr<OpusFrameDecoder>> Create();
  ~OpusFrameDecoder();
  // One packet → its samples; a packet that is not Opus, or not `expected_samples` long, is refused.
  Result<std::vector<float>> Decode(std::string_view packet, int expected_samples);

 private:
  explicit OpusFrameDecoder(OpusDecoder* decoder) : decoder_(decoder) {}
  OpusDecoder* decoder_;
};

// Consecutive packets of `frame_ms` each, as an Ogg/Opus file (RFC 7845), through libavformat.
Result<std::string> MuxOggOpus(std::span<const std::string_view> packets, int frame_ms);

}  // namespace reflexio
