#include "understanding/providers.h"

#include "llm/cascade.h"
#include "llm/chat_provider.h"
#include "llm/embedded_provider.h"
#include "privacy/outbound_guard.h"

namespace reflexio {

std::shared_ptr<Provider> MakeUnderstandingProvider(const Config& config, const Stores& stores, Metrics* metrics) {
  auto embedded = std::make_shared<EmbeddedProvider>();
  if (config.llm.provider != "chat") return embedded;
  ChatConfig chat;
  chat.base_url = config.llm.base_url;
  chat.api_key = config.llm.api_key;
  chat.model = config.llm.model;
  chat.timeout_s = config.llm.timeout_s;
  chat.response_format = config.llm.response_format;
  chat.logprobs = config.llm.logprobs;
  auto client = std::make_shared<ChatClient>(chat, std::make_shared<CurlHttpClient>());
  OutboundGuard guard(stores.privacy, config, metrics);
  Destination destination{"llm:" + config.llm.model, config.llm.local};
  auto model = std::make_shared<ChatProvider>(
      client,
      [guard, destination](const std::string& tenant_id, std::string_view text) mutable {
        return guard.Prepare(tenant_id, text, destination);
      },
      ChatProviderOptions{.deepconf_threshold = config.llm.deepconf_threshold});
  return std::make_shared<ProviderCascade>(std::vector<std::shared_ptr<Provider>>{model, embedded},
                                           config.llm.breaker_failures, config.llm.breaker_cooldown_s);
}

std::unique_ptr<LettaSync> MakeLettaSync(const Config& config, const Stores& stores, Metrics* metrics) {
  if (config.letta.api_url.empty()) return nullptr;
  OutboundGuard guard(stores.privacy, config, metrics);
  return std::make_unique<LettaSync>(config.letta, std::make_shared<CurlHttpClient>(), stores.insights,
                                     [guard](const std::string& tenant_id, std::string_view text) mutable {
                                       return guard.Prepare(tenant_id, text, Destination{"letta", false});
                                     });
}

}  // namespace reflexio
