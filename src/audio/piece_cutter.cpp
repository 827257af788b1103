#include "audio/piece_cutter.h"

#include <algorithm>
#include <cmath>

namespace reflexio {

namespace {
constexpr double kRate = 16000;
constexpr size_t kVadFrame = 160;  // 10 ms
}

double PieceCutter::held_s() const { return static_cast<double>(held_.size()) / kRate; }

Result<std::vector<SpeechPiece>> PieceCutter::Push(std::span<const float> samples_16k) {
  held_.insert(held_.end(), samples_16k.begin(), samples_16k.end());
  since_check_s_ += static_cast<double>(samples_16k.size()) / kRate;
  if (since_check_s_ < options_.check_every_s && held_s() < options_.max_piece_s) return std::vector<SpeechPiece>{};
  since_check_s_ = 0;
  return Cut(/*final=*/false);
}

Result<std::vector<SpeechPiece>> PieceCutter::Finish() { return Cut(/*final=*/true); }

void PieceCutter::Emit(const TimeSpan& span, std::vector<SpeechPiece>& out) const {
  std::span<const float> samples = SamplesIn(held_, span);
  if (samples.empty()) return;
  out.push_back({held_start_s_ + span.start_s, std::vector<float>(samples.begin(), samples.end())});
}

// Whole 10 ms frames go, so the labels stay in step with the samples.
void PieceCutter::DropBefore(double offset_s) {
  size_t frames = static_cast<size_t>(std::max(0.0, std::floor(offset_s * kRate))) / kVadFrame;
  size_t drop = std::min(held_.size(), frames * kVadFrame);
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(drop));
  labels_.erase(labels_.begin(), labels_.begin() + static_cast<std::ptrdiff_t>(std::min(labels_.size(), drop / kVadFrame)));
  held_start_s_ += static_cast<double>(drop) / kRate;
  // A piece of speech grew it; many streams each keeping the room of their longest is memory.
  if (held_.capacity() > 4 * held_.size() + static_cast<size_t>(kRate)) held_.shrink_to_fit();
}

Status PieceCutter::Label() {
  size_t labelled = labels_.size() * kVadFrame;
  size_t whole = held_.size() / kVadFrame * kVadFrame;
  if (whole <= labelled) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<bool> more,
                   vad_.ClassifyFrames(std::span<const float>(held_).subspan(labelled, whole - labelled)));
  labels_.insert(labels_.end(), more.begin(), more.end());
  return Status::Ok();
}

Result<std::vector<SpeechPiece>> PieceCutter::Cut(bool final) {
  std::vector<SpeechPiece> pieces;
  RETURN_IF_ERROR(Label());
  SpeechMap speech = SpeechFromFrames(labels_, held_.size(), {.padding_s = options_.preroll_s});
  double held = held_s();
  if (speech.regions.empty()) {
    if (final) {
      held_.clear();
      labels_.clear();
    } else {
      DropBefore(held - options_.preroll_s);  // only pre-roll is worth keeping from quiet
    }
    return pieces;
  }
  bool ended = final || held - speech.regions.back().end_s >= options_.pause_s;
  bool full = held >= options_.max_piece_s;
  if (!ended && !full) {
    DropBefore(speech.regions.front().start_s);  // the quiet before the speech, beyond pre-roll
    return pieces;
  }
  std::vector<TimeSpan> planned =
      PlanSegments(held_, speech.regions, {.max_segment_s = options_.max_piece_s, .join_gap_s = options_.pause_s});
  // Still talking at the bound: the last planned segment may go on, unless it is all there is.
  size_t emit = ended || planned.size() == 1 ? planned.size() : planned.size() - 1;
  for (size_t i = 0; i < emit; ++i) Emit(planned[i], pieces);
  DropBefore(emit == planned.size() ? std::min(held, planned.back().end_s) : planned[emit].start_s);
  return pieces;
}

}  // namespace reflexio
