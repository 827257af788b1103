// ChatProvider: episode understanding by any OpenAI-compatible chat model (chat_client.h).
//
// For each episode:
//  1. summary by chain of density — a first summary, then densifying rounds; the one kept is
//     the one with the highest measured entity density (distinct content words of the
//     transcript per summary word, EntityDensity), not the model's opinion of itself;
//  2. few-shot extraction of topics, people, places, actions, emotion and urgency, validated
//     against its JSON schema and then verified against the transcript (CoVe: every cited
//     utterance exists, every name occurs in what it cites, every action shares words with
//     it); a failure is described to the model for one repair; a second failure fails the
//     provider, so the cascade falls back;
//  3. DeepConf of the extraction from its token logprobs; below `deepconf_threshold` a critic
//     reviews it and a refiner answers the critique (kept only if it validates too). Without
//     logprobs every finding says its confidence is unknown.
// Due dates are resolved by text/dates.h against the capture time of the cited utterance; the
// model only quotes the words. Every prompt passes `guard` (the PII and destination check of
// privacy/outbound_guard.h) first; a refusal there fails the provider for that episode.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "llm/chat_client.h"
#include "llm/provider.h"

namespace reflexio {

// What may leave the machine for `tenant_id` in place of `text`, or why nothing may.
using PromptGuard = std::function<Result<std::string>(const std::string& tenant_id, std::string_view text)>;

struct ChatProviderOptions {
  int density_rounds = 3;           // chain-of-density summaries asked for (the first included)
  double deepconf_threshold = 2.5;  // lowest-group confidence under which the critic is asked
  size_t deepconf_window = 16;      // tokens per group
};

class ChatProvider : public Provider {
 public:
  ChatProvider(std::shared_ptr<ChatClient> client, PromptGuard guard, ChatProviderOptions options = {});
  std::string Name() const override { return "chat"; }
  bool IsLocal() const override { return false; }
  Result<Enrichment> Enrich(const EpisodeTranscript& episode) override;

 private:
  std::shared_ptr<ChatClient> client_;
  PromptGuard guard_;
  ChatProviderOptions options_;
};

}  // namespace reflexio
