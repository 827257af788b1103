// Prosody: how something was said, measured from the audio of one segment — pitch (median and
// range), loudness (mean and range of voiced frames), how much of it is voiced and how much is
// pause — and an arousal estimate built from those parts, each kept so a reader can see why.
//
// Pitch is found per 40 ms frame (10 ms hop) by normalised autocorrelation over 70–400 Hz; a
// frame is voiced when it is loud enough and clearly periodic. Pure functions, thread-safe.
#pragma once

#include <span>
#include <string>

namespace reflexio {

struct Prosody {
  double voiced_fraction = 0;     // of all frames
  double pause_fraction = 0;      // frames below the loudness floor
  double pitch_median_hz = 0;     // 0 when nothing is voiced
  double pitch_range_semitones = 0;  // 10th to 90th percentile of voiced pitch
  double loudness_db = -100;      // mean RMS of voiced frames, dBFS
  double loudness_range_db = 0;   // 10th to 90th percentile of voiced frames
  double speaking_rate_wps = 0;   // words per second of the segment (from the recogniser)
  double arousal = 0;             // 0 calm … 1 excited; see Arousal
};

// `samples_16k`: the segment's audio, 16 kHz mono.
Prosody MeasureProsody(std::span<const float> samples_16k, int words = 0);
// The mean of three parts, each mapped to 0..1: loudness (−40…−10 dBFS), pitch range
// (0…12 semitones) and speaking rate (1…4 words/s). 0 when nothing is voiced.
double Arousal(const Prosody& prosody);
std::string ProsodyJson(const Prosody& prosody);  // {"voiced_fraction": …, …, "arousal": …}

}  // namespace reflexio
