// A stream's audio frame on the wire (GET /v1/stream, docs/streaming.md): an 8-byte big-endian
// sequence number, then one frame of audio (a raw Opus packet or PCM16 samples). The one place
// that spells this out, for the server, its clients and the tests. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reflexio {

inline constexpr size_t kStreamFrameHeaderBytes = 8;

inline std::string StreamFrameMessage(uint64_t seq, std::string_view payload) {
  std::string bytes(kStreamFrameHeaderBytes, '\0');
  for (size_t i = 0; i < kStreamFrameHeaderBytes; ++i) {
    bytes[kStreamFrameHeaderBytes - 1 - i] = static_cast<char>((seq >> (8 * i)) & 0xff);
  }
  bytes.append(payload);
  return bytes;
}

// The sequence number of a frame message; none when it is too short to hold one.
inline std::optional<uint64_t> StreamFrameSeq(std::string_view message) {
  if (message.size() < kStreamFrameHeaderBytes) return std::nullopt;
  uint64_t seq = 0;
  for (size_t i = 0; i < kStreamFrameHeaderBytes; ++i) seq = (seq << 8) | static_cast<unsigned char>(message[i]);
  return seq;
}

}  // namespace reflexio
