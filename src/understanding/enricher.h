// Enricher: understands each closed episode once — the stage after episodes in the scheduler.
//
// For an episode it reads the segments (the quality gate's garbage never joins one), asks the
// provider (llm/provider.h; in the server a cascade ending with the embedded rules) with core
// memory as context, and stores in one transaction (Database::StoreEnrichment):
//  - one insight per finding (summary, topic, person, place, action, emotion) whose body holds
//    the text, kind-specific fields, evidence (segments with recording, position and capture
//    time), the method (provider, model, prompt version, steps) and the confidence with its
//    basis; actions start open and carry their due date;
//  - the emotion with both parts kept: valence and named emotions from the words, arousal from
//    the voice (prosody of the segments, by duration), and the quadrant they make together;
//  - session memory (kind "session"): the episode in brief, the provider's notes, and the
//    measured prompt economy — estimated tokens (UTF-8 bytes / 4) of the memory context sent
//    against the raw transcripts of the earlier episodes it stands for;
//  - the core-memory entries it teaches (memory/core_memory.h).
// Then, when configured, core memory is mirrored to Letta (best effort: the next sync repairs a
// failed one). An episode whose enrichment fails stays unenriched and is tried next round.
// Understand() is the first half alone — the insights, stored nowhere — for a digest of a day
// still going (understanding/episode_understanding.h).
// Run() and EnrichEpisode() are thread-compatible (the scheduler's leader runs them); Understand()
// is thread-safe.
#pragma once

#include <memory>

#include "core/time.h"
#include "llm/provider.h"
#include "memory/core_memory.h"
#include "memory/letta_sync.h"
#include "storage/database.h"
#include "understanding/episode_understanding.h"

namespace reflexio {

struct EnrichReport {
  int64_t episodes_enriched = 0;
  int64_t episodes_failed = 0;
};

class Enricher : public EpisodeUnderstanding {
 public:
  // `default_timezone`: the zone of tenants who set none (dates like "tomorrow" are their local days).
  Enricher(const Stores& stores, Provider& provider, const Clock& clock = SystemClock::Instance(), LettaSync* letta = nullptr,
           std::string default_timezone = "UTC")
      : stores_(stores), provider_(provider), clock_(clock), memory_(stores.insights, clock), letta_(letta),
        default_timezone_(std::move(default_timezone)) {}

  Result<EnrichReport> Run();
  Status EnrichEpisode(const Episode& episode);
  // The episode's insights as EnrichEpisode would store them, without core memory's lessons.
  Result<std::vector<Insight>> Understand(const Episode& episode,
                                          const std::vector<EpisodeSegment>& segments) const override;

 private:
  // What the provider is given: the usable segments, memory, the person's UTC offset.
  Result<EpisodeTranscript> TranscriptOf(const Episode& episode, const std::vector<EpisodeSegment>& segments) const;
  // The emotion with both parts; `voiced` gets the utterances whose prosody gave the arousal.
  static EmotionFields EmotionOf(const Finding& finding, const EpisodeTranscript& transcript,
                                 const std::vector<EpisodeSegment>& segments, std::vector<int>& voiced);
  Result<SessionFields> SessionOf(const Episode& episode, const EpisodeTranscript& transcript,
                                  const Enrichment& enrichment) const;

  Stores stores_;
  Provider& provider_;
  const Clock& clock_;
  CoreMemory memory_;
  LettaSync* letta_;
  std::string default_timezone_;
};

// Estimated tokens of a prompt text: UTF-8 bytes / 4, rounded up (OpenAI's rule of thumb).
int64_t EstimatedTokens(const std::string& text);

// The emotion quadrant of a valence (-1 … 1) and an arousal (0 … 1): excited, content, tense,
// low, or neutral when the words carry little either way.
std::string EmotionQuadrant(double valence, double arousal);

}  // namespace reflexio
