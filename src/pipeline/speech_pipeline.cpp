#include "pipeline/speech_pipeline.h"

#include <chrono>
#include <future>

#include "audio/decoder.h"
#include "audio/prosody.h"
#include "pipeline/window_packing.h"
#include "text/quality_gate.h"

namespace reflexio {

namespace {
// Silence between spans packed into one window, so the recogniser hears them apart.
constexpr double kPackedSpanGapS = 0.3;
}  // namespace

void AssessQuality(std::vector<Segment>& segments) {
  static const QualityGate gate;
  constexpr size_t kNeighbours = 3;
  for (size_t i = 0; i < segments.size(); ++i) {
    SegmentForQuality input{segments[i].text, segments[i].end_s - segments[i].start_s, {}};
    for (const auto& w : segments[i].words) input.word_confidences.push_back(w.confidence);
    std::vector<std::string> recent;
    for (size_t k = i > kNeighbours ? i - kNeighbours : 0; k < i; ++k) recent.push_back(segments[k].text);
    QualityVerdict verdict = gate.Assess(input, recent);
    segments[i].quality = ToString(verdict.state);
    segments[i].quality_reasons = std::move(verdict.reasons);
  }
}

Result<SpeechPipelineResult> RunSpeechPipeline(std::span<const float> samples, Vad& vad, EnginePool& engines,
                                               TimePoint captured_at, const ProgressCallback& progress,
                                               bool local_only) {
  SpeechPipelineResult out;
  Transcription& t = out.transcription;
  t.duration_s = samples.size() / double(kSampleRate);
  t.engine = engines.engine_name();
  ASSIGN_OR_RETURN(SpeechMap speech, FindSpeech(samples, vad));
  t.speech_s = speech.speech_seconds;
  std::vector<TimeSpan> spans = PlanSegments(samples, speech.regions);

  std::vector<PackedWindow> windows = PackSpans(spans, engines.packed_window_s(), kPackedSpanGapS);
  std::vector<std::future<Result<Recognition>>> pending;
  for (const PackedWindow& window : windows) {
    pending.push_back(engines.Submit(PackedAudio(samples, spans, window), local_only));
  }
  if (progress) progress(0, static_cast<int>(windows.size()));
  for (size_t i = 0; i < windows.size(); ++i) {
    Result<Recognition> r = pending[i].get();
    const PackedWindow& window = windows[i];
    if (!r.ok()) {
      for (size_t k = i + 1; k < pending.size(); ++k) pending[k].wait();  // they reference nothing of ours, but finish cleanly
      return r.status().WithContext("transcribing " + std::to_string(spans[window.pieces.front().span].start_s) + "–" +
                                    std::to_string(spans[window.pieces.back().span].end_s) + " s");
    }
    if (progress) progress(static_cast<int>(i + 1), static_cast<int>(windows.size()));
    out.asr_compute_s += r->compute_s;
    if (window.length_s > 0) out.segment_rtf.push_back(r->compute_s / window.length_s);
    std::vector<std::vector<RecognizedWord>> words_per_piece = UnpackWords(r->words, spans, window);
    for (size_t p = 0; p < window.pieces.size(); ++p) {
      if (words_per_piece[p].empty()) continue;
      const TimeSpan& span = spans[window.pieces[p].span];
      Segment seg;
      seg.seq = static_cast<int>(t.segments.size());
      seg.start_s = span.start_s;
      seg.end_s = span.end_s;
      seg.captured_at = AddSeconds(captured_at, span.start_s);
      seg.text = JoinWords(words_per_piece[p]);
      seg.engine = r->engine;
      seg.language = r->language.empty() ? "en" : r->language;
      for (const RecognizedWord& w : words_per_piece[p]) seg.words.push_back({w.word, w.start_s, w.end_s, w.confidence});
      std::span<const float> span_samples = SamplesIn(samples, span);
      if (!span_samples.empty()) {
        seg.prosody_json = ProsodyJson(MeasureProsody(span_samples, static_cast<int>(words_per_piece[p].size())));
      }
      if (t.segments.empty()) {
        t.engine = seg.engine;
        t.language = seg.language;
      }
      t.segments.push_back(std::move(seg));
    }
  }
  if (t.language.empty()) t.language = "en";
  AssessQuality(t.segments);
  return out;
}

}  // namespace reflexio
