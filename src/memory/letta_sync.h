// LettaSync: mirrors a tenant's core memory into a memory block of a Letta server over its REST
// API — `GET /v1/blocks/?label=…` to find the tenant's block, `POST /v1/blocks/` to create it
// once, `PATCH /v1/blocks/{id}` to replace its value — so a Letta agent shares what Reflexio
// knows. The block's label names the tenant by id only; its value is CoreMemory's prompt text,
// passed through the outbound guard first (a refusal there syncs nothing). Each Sync writes the
// whole current state, so a failed one is made good by the next. Thread-safe when the
// HttpClient is.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/http_client.h"
#include "memory/core_memory.h"

namespace reflexio {

class LettaSync {
 public:
  using Guard = std::function<Result<std::string>(const std::string& tenant_id, std::string_view text)>;
  static constexpr size_t kBlockLimit = 5000;  // characters, as Letta counts a block's limit

  LettaSync(LettaConfig config, std::shared_ptr<HttpClient> http, InsightStore& insights, Guard guard);
  static std::string BlockLabel(const std::string& tenant_id) { return "reflexio-core-memory-" + tenant_id; }
  // The id of the block written.
  Result<std::string> Sync(const std::string& tenant_id);
  // Lists one block, changing nothing: whether Letta answers and accepts the key.
  Status Ping();

 private:
  Result<HttpResponse> Call(const std::string& method, const std::string& path, const std::string& body);
  LettaConfig config_;
  std::shared_ptr<HttpClient> http_;
  CoreMemory memory_;
  Guard guard_;
};

}  // namespace reflexio
