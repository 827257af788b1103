// Decoding any accepted container to 16 kHz mono float PCM with FFmpeg.
//
// Accepted demuxers are whitelisted (WAV, FLAC, Ogg, Matroska/WebM, MP4/M4A, MP3, ADTS AAC) and
// only the file protocol is allowed, so hostile input cannot make FFmpeg open other files or
// URLs. Errors distinguish "not a format we accept" (kUnsupportedMedia) from "looks like audio
// but cannot be decoded / is truncated / holds no samples" (kUnprocessable). Thread-safe: each
// call owns its FFmpeg contexts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace reflexio {

constexpr int kSampleRate = 16000;

struct DecodedAudio {
  std::vector<float> samples;  // 16 kHz mono, [-1, 1]; empty unless DecodeOptions::keep_samples
  int64_t sample_count = 0;    // how many 16 kHz samples the window holds, kept or not
  std::string container;       // FFmpeg demuxer name, e.g. "flac"
  std::string codec;           // e.g. "opus"
  int source_sample_rate = 0;
  int source_channels = 0;
  double DurationSeconds() const { return sample_count / double(kSampleRate); }
};

struct DecodeOptions {
  double start_s = 0;   // keep samples from here …
  double end_s = -1;    // … to here (negative: to the end)
  bool check_complete = true;  // fail when less audio decodes than the container declares
  // Jump to the clip instead of decoding from the first sample (needs a seekable container with
  // timestamps, such as the stored Ogg/Opus): with a ByteSource, only what is near the clip is read.
  bool seek = false;
  // False checks and measures the audio without holding it: samples stay empty, so memory does
  // not grow with the recording's length.
  bool keep_samples = true;
};

// Bytes of an encoded recording read by range (an object in the blob store, decrypted frame by
// frame), for decoding without a local copy.
struct ByteSource {
  uint64_t size = 0;
  std::function<Result<std::string>(uint64_t offset, size_t length)> read;
};

Result<DecodedAudio> DecodeAudioFile(const std::string& path, const DecodeOptions& options = {});
// The same, reading through `source` (custom I/O; the same demuxer whitelist). A read error of
// the source is returned as the source reported it.
Result<DecodedAudio> DecodeAudioSource(const ByteSource& source, const DecodeOptions& options = {});

}  // namespace reflexio
