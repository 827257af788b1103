// The HTTP API: every route, registered on a Router, with the JSON shapes of ARCHITECTURE §6.
//
// Api holds references to the parts it serves from; they must outlive it. Handlers are
// thread-safe because the parts are. Another tenant's recording answers 404, never 403.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "asr/engine_pool.h"
#include "core/config.h"
#include "core/metrics.h"
#include "digest/service.h"
#include "http/router.h"
#include "http/server.h"
#include "memory/letta_sync.h"
#include "pipeline/ingest.h"
#include "privacy/controls.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace reflexio {

struct ApiDependencies {
  Stores stores;
  BlobStore& blobs;
  Ingestor& ingestor;
  const Config& config;
  Metrics& metrics;
  // The engines this process transcribes with; health asks them whether they are ready. Null
  // for an API-only process, whose workers transcribe elsewhere: health then skips the check.
  const EnginePool* engines = nullptr;
  // Mirrors core memory to Letta after the person edits it; null when not configured.
  LettaSync* letta = nullptr;
  // Forgets an erased tenant's key at once; null where nothing holds one.
  Keyring* keyring = nullptr;
  // Dates what handlers change (an action marked done) and the window of delivery failures.
  const Clock* clock = &SystemClock::Instance();
};

class Api {
 public:
  explicit Api(ApiDependencies deps)
      : deps_(std::move(deps)), privacy_(deps_.stores, deps_.blobs, deps_.config, deps_.keyring, *deps_.clock), digests_(deps_.stores, deps_.config) {}
  void RegisterRoutes(Router& router);
  Result<Tenant> Authenticate(const std::string& key);

 private:
  ServerResponse Index(const Router& router);
  ServerResponse Health();
  ServerResponse PrometheusMetrics();
  Result<std::unique_ptr<BodySink>> BeginRecording(ServerRequest& request);
  ServerResponse ListRecordings(ServerRequest& request);
  ServerResponse GetRecording(ServerRequest& request);
  ServerResponse GetTranscript(ServerRequest& request);
  ServerResponse GetAudio(ServerRequest& request);
  ServerResponse Search(ServerRequest& request);
  ServerResponse ListEpisodes(ServerRequest& request);
  ServerResponse GetEpisode(ServerRequest& request);
  Result<Recording> FindRecording(const ServerRequest& request);
  // /v1/privacy/… (privacy_api.cpp)
  void RegisterPrivacyRoutes(Router& router);
  ServerResponse GetPrivacySettings(ServerRequest& request);
  ServerResponse UpdatePrivacySettings(ServerRequest& request);
  ServerResponse ExportEverything(ServerRequest& request);
  ServerResponse EraseEverything(ServerRequest& request);
  ServerResponse ListAuditLog(ServerRequest& request);

  // What was understood (understanding_api.cpp)
  void RegisterUnderstandingRoutes(Router& router);
  nlohmann::json EnrichmentJson(const std::string& tenant_id, const Episode& episode, Status& status);
  ServerResponse ListActions(ServerRequest& request);
  ServerResponse UpdateAction(ServerRequest& request);
  ServerResponse ListEmotions(ServerRequest& request);
  ServerResponse ListMemory(ServerRequest& request);
  Result<Insight> FindMemory(const ServerRequest& request);
  ServerResponse GetMemory(ServerRequest& request);
  ServerResponse UpdateMemory(ServerRequest& request);
  ServerResponse DeleteMemory(ServerRequest& request);
  ServerResponse Explain(ServerRequest& request);
  void SyncMemory(const std::string& tenant_id);
  // Digests and personal settings (digest_api.cpp)
  void RegisterDigestRoutes(Router& router);
  ServerResponse DigestResponse(const Digest& digest, const std::string& format);
  ServerResponse GetDigest(ServerRequest& request);
  ServerResponse GenerateDigest(ServerRequest& request);
  ServerResponse ListDigests(ServerRequest& request);
  ServerResponse GetDigestDeliveries(ServerRequest& request);
  ServerResponse GetSettings(ServerRequest& request);
  ServerResponse UpdateSettings(ServerRequest& request);

  ApiDependencies deps_;
  PrivacyControls privacy_;
  DigestService digests_;
};

}  // namespace reflexio
