// Ogg/Opus encoding (libopusenc) of 16 kHz mono PCM — how recordings are kept for replay —
// and 16-bit WAV for clients that ask for it. Pure functions, thread-safe.
#pragma once

#include <span>
#include <string>

#include "core/status.h"

namespace reflexio {

// Voice-tuned Opus in an Ogg container; ~bitrate bits per second.
Result<std::string> EncodeOggOpus(std::span<const float> samples_16k, int bitrate = 16000);
std::string EncodeWav16(std::span<const float> samples_16k);

}  // namespace reflexio
