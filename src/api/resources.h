// The API's resources, one class each: it registers its routes on a Router and answers them
// with the JSON shapes of ARCHITECTURE §6 (json_views.h). A handler returns its answer or the
// Status the server turns into {"error":{"code","message"}}.
//
// Each resource keeps a reference to the ApiDependencies it serves from; they must outlive it.
// Handlers run on the server's handler pool, several at once, and are thread-safe because the
// parts they use are. Another tenant's object answers 404, never 403.
#pragma once

#include <memory>
#include <string>

#include "api/browser_sign_in.h"
#include "asr/engine_pool.h"
#include "billing/pricing.h"
#include "billing/referrals.h"
#include "billing/checkout.h"
#include "billing/speech_meter.h"
#include "billing/stripe_webhook.h"
#include "core/config.h"
#include "core/metrics.h"
#include "digest/service.h"
#include "digest/telegram_outbox.h"
#include "http/router.h"
#include "memory/letta_sync.h"
#include "pipeline/ingest.h"
#include "api/stream_ingest.h"
#include "privacy/controls.h"
#include "storage/blob_store.h"
#include "storage/database.h"
#include "understanding/episode_understanding.h"

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
  // Sends a digest when the person asks (POST /v1/digests/{date}/deliver); null: not offered.
  TelegramOutbox* telegram = nullptr;
  // The plans offered (billing/pricing.h); null: no billing routes.
  const Pricing* pricing = nullptr;
  // Counts speech per local day and refuses uploads beyond the plan's allowance; null: no quota
  // and no usage route.
  SpeechMeter* meter = nullptr;
  // Stripe Checkout and the billing portal, and Stripe's events; null: those routes are not offered.
  StripeCheckout* checkout = nullptr;
  StripeWebhook* webhook = nullptr;
  // Referral codes and their bonus; null: no referral routes and sign-up takes no code.
  ReferralProgram* referrals = nullptr;
  // The web app's sign-in and sessions; null: no session routes, and cookies are ignored.
  BrowserSignIn* sign_in = nullptr;
  // Understands a day's conversations enrichment has not reached yet, for its digest while the
  // day is still going (provisional); null: such a digest lists them as not understood yet.
  const EpisodeUnderstanding* on_the_spot = nullptr;
  // Speech streamed over a WebSocket (GET /v1/stream); null: the route is not offered.
  StreamIngest* streams = nullptr;
};

// What GET /health and /metrics/prometheus look at. Every role has a database, an object store
// and metrics; a part a role lacks is null and its check skipped: an API-only process has no
// engines, a worker no digest deliveries to watch.
struct HealthDependencies {
  JobQueue& jobs;
  BlobStore& blobs;
  const Config& config;
  Metrics& metrics;
  const EnginePool* engines = nullptr;
  DeliveryOutbox* outbox = nullptr;
  const Clock* clock = &SystemClock::Instance();
  // Conversion figures of the last 30 days, as metrics; null: not reported.
  BillingLedger* billing = nullptr;
};

// GET / (the endpoints), /health (503 when degraded), /metrics/prometheus, /v1/openapi.json (api/openapi.h). Unauthenticated.
// Served by every long-running role: the API, and a worker's or scheduler's probe port.
class SystemApi {
 public:
  explicit SystemApi(HealthDependencies deps) : deps_(std::move(deps)) {}
  void Register(Router& router);

 private:
  ServerResponse Index(const Router& router);
  ServerResponse Health();
  ServerResponse PrometheusMetrics();
  HealthDependencies deps_;
};

// /v1/recordings: the upload (streamed into the Ingestor), the list, one recording, its
// transcript and a clip of its audio.
class RecordingsApi {
 public:
  explicit RecordingsApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<std::unique_ptr<BodySink>> BeginUpload(ServerRequest& request);
  Status AdmitUpload(const IngestRequest& ingest);
  Result<ServerResponse> List(ServerRequest& request);
  Result<ServerResponse> Get(ServerRequest& request);
  Result<ServerResponse> GetTranscript(ServerRequest& request);
  Result<ServerResponse> GetAudio(ServerRequest& request);
  Result<Recording> Find(const ServerRequest& request);
  const ApiDependencies& deps_;
};

// /v1/search: what was said, best hit first among the newest matches (storage/search_windows.h),
// each with the moment to replay.
class SearchApi {
 public:
  explicit SearchApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> Search(ServerRequest& request);
  const ApiDependencies& deps_;
};

// /v1/episodes: conversations, and one with everything understood from it.
class EpisodesApi {
 public:
  explicit EpisodesApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> List(ServerRequest& request);
  Result<ServerResponse> Get(ServerRequest& request);
  Result<nlohmann::json> EnrichmentJson(const std::string& tenant_id, const Episode& episode);
  const ApiDependencies& deps_;
};

// /v1/actions (marking one done settles its commitment in memory) and /v1/emotions.
class ActionsApi {
 public:
  explicit ActionsApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> ListActions(ServerRequest& request);
  Result<ServerResponse> UpdateAction(ServerRequest& request);
  Result<ServerResponse> ListEmotions(ServerRequest& request);
  const ApiDependencies& deps_;
};

// /v1/memory…: what Reflexio remembers about the person, which they may correct or remove
// (mirrored to Letta when configured), and /v1/explain/{kind}/{id}: why it concluded something.
class MemoryApi {
 public:
  explicit MemoryApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> List(ServerRequest& request);
  Result<ServerResponse> Get(ServerRequest& request);
  Result<ServerResponse> Update(ServerRequest& request);
  Result<ServerResponse> Delete(ServerRequest& request);
  Result<ServerResponse> Explain(ServerRequest& request);
  Result<Insight> Find(const ServerRequest& request);
  const ApiDependencies& deps_;
};

// Marking an action done or editing memory changes core memory: mirror it to Letta (when
// configured); a failure is logged, and the next sync repairs it.
void SyncMemory(const ApiDependencies& deps, const std::string& tenant_id);

// /v1/digests…: the digest of a day (built when stale), rebuilding it, the list, its deliveries.
class DigestsApi {
 public:
  explicit DigestsApi(const ApiDependencies& deps)
      : deps_(deps), digests_(deps.stores, deps.config, *deps.clock, deps.on_the_spot) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> Get(ServerRequest& request);
  Result<ServerResponse> Generate(ServerRequest& request);
  Result<ServerResponse> List(ServerRequest& request);
  Result<ServerResponse> GetDeliveries(ServerRequest& request);
  Result<ServerResponse> Deliver(ServerRequest& request);
  const ApiDependencies& deps_;
  DigestService digests_;
};

// /v1/settings: the person's time zone, digest time and Telegram chat.
class SettingsApi {
 public:
  explicit SettingsApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> Get(ServerRequest& request);
  Result<ServerResponse> Update(ServerRequest& request);
  const ApiDependencies& deps_;
};

// /v1/privacy/…: retention settings, export, erasure and the audit log (privacy/controls.h).
class PrivacyApi {
 public:
  explicit PrivacyApi(const ApiDependencies& deps)
      : deps_(deps), privacy_(deps.stores, deps.blobs, deps.config, deps.keyring, *deps.clock) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> GetSettings(ServerRequest& request);
  Result<ServerResponse> UpdateSettings(ServerRequest& request);
  Result<ServerResponse> Export(ServerRequest& request);
  Result<ServerResponse> Erase(ServerRequest& request);
  Result<ServerResponse> ListAudit(ServerRequest& request);
  Result<ServerResponse> RetentionDryRun(ServerRequest& request);
  const ApiDependencies& deps_;
  PrivacyControls privacy_;
};

// /v1/billing/plans: the plans and referral terms, for anyone deciding whether to sign up;
// /v1/billing/usage: the tenant's speech today against its plan's allowance; checkout and portal:
// Stripe's pages to pay and to manage it; webhook: Stripe's events (signed, no API key).
class BillingApi {
 public:
  explicit BillingApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> Usage(ServerRequest& request);
  Result<ServerResponse> Checkout(ServerRequest& request);
  Result<ServerResponse> Portal(ServerRequest& request);
  Result<ServerResponse> Webhook(ServerRequest& request);
  const ApiDependencies& deps_;
};

// /v1/signup (REFLEXIO_SIGNUP=open): a new tenant and its first API key, optionally with a
// friend's referral code; /v1/keys: the tenant's API keys (list, create, revoke); /v1/referrals:
// the tenant's own code and its progress, and redeeming one.
class AccountsApi {
 public:
  explicit AccountsApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> Signup(ServerRequest& request);
  Result<ServerResponse> ListKeys(ServerRequest& request);
  Result<ServerResponse> CreateKey(ServerRequest& request);
  Result<ServerResponse> RevokeKey(ServerRequest& request);
  Result<ServerResponse> Referrals(ServerRequest& request);
  Result<ServerResponse> Redeem(ServerRequest& request);
  const ApiDependencies& deps_;
};

// /v1/session, /v1/sessions, /v1/sign-in-links: signing a browser in (with a one-time link or an
// API key) and out, the signed-in browsers, and links to sign in another one.
class SessionsApi {
 public:
  explicit SessionsApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> SignIn(ServerRequest& request);
  Result<ServerResponse> Current(ServerRequest& request);
  Result<ServerResponse> SignOut(ServerRequest& request);
  Result<ServerResponse> List(ServerRequest& request);
  Result<ServerResponse> End(ServerRequest& request);
  Result<ServerResponse> MakeLink(ServerRequest& request);
  // Secure when the browser reached us over TLS (a proxy says so) or the public URL is https.
  bool SecureCookies(const ServerRequest& request) const;
  const ApiDependencies& deps_;
};

// /v1/admin/…: the operator's routes, under an operator key (never a tenant's).
class AdminApi {
 public:
  explicit AdminApi(const ApiDependencies& deps) : deps_(deps) {}
  void Register(Router& router);

 private:
  Result<ServerResponse> BillingStats(ServerRequest& request);
  const ApiDependencies& deps_;
};

}  // namespace reflexio
