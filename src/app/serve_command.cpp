// `reflexio serve` (the whole embedded system in one process, or the HTTP role of a cluster) and
// `reflexio worker` (a cluster worker: jobs only).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "api/api.h"
#include "app/flags.h"
#include "app/stop_signals.h"
#include "asr/engine_pool.h"
#include "billing/checkout.h"
#include "billing/pricing.h"
#include "billing/stripe_webhook.h"
#include "core/file_util.h"
#include "core/log.h"
#include "crypto/api_key.h"
#include "digest/schedule.h"
#include "http/server.h"
#include "jobs/scheduler.h"
#include "jobs/worker.h"
#include "pipeline/processor.h"
#include "privacy/retention.h"
#include "storage/blob_store.h"
#include "understanding/enricher.h"
#include "understanding/episodes.h"
#include "understanding/providers.h"

namespace reflexio {

namespace {

// One server per data directory: the embedded queue assumes it is the only worker.
// Bodies that were still arriving when the last server stopped were never acknowledged; the
// client will retry them. Only the process holding the data-directory lock writes there.
void RemoveInterruptedUploads(const Config& config) {
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(config.data_dir) / "tmp", ec)) {
    std::filesystem::remove(entry.path(), ec);
    ++removed;
  }
  if (removed > 0) LOG_INFO("removed " << removed << " unacknowledged partial upload(s)");
}

void PrintFirstRunBanner(const std::string& tenant, const std::string& key, const std::string& base_url,
                         const std::string& sign_in_url) {
  std::cout << "\nReflexio created tenant \"" << tenant << "\" for this data directory.\n";
  if (!sign_in_url.empty()) {
    std::cout << "Open the web app with this one-time sign-in link (valid for an hour):\n\n    " << sign_in_url
              << "\n\n(another one: reflexio login-link --tenant " << tenant << ")\n";
  }
  std::cout
            << "Its API key is shown only now; keep it somewhere safe:\n\n    " << key << "\n\n"
            << "Upload a first recording and search it:\n\n"
            << "    curl -H 'Authorization: Bearer " << key << "' -H 'Content-Type: audio/wav' \\\n"
            << "         --data-binary @recording.wav " << base_url << "/v1/recordings\n"
            << "    curl -H 'Authorization: Bearer " << key << "' '" << base_url << "/v1/search?q=hello'\n\n"
            << "More keys: reflexio keys create --tenant NAME\n"
            << std::flush;
}

// Says where this process listens, in its log and, when configured, in the address file (which a
// container's health check reads when the port was chosen with --port 0).
void AnnounceListening(const Config& config, const std::string& base_url, const std::string& role) {
  LOG_INFO("listening on " << base_url << " (role " << role << ", data in "
                           << std::filesystem::absolute(config.data_dir).string() << ")");
  if (config.address_file.empty()) return;
  Status written = WriteFileDurably(config.address_file, base_url + "\n");
  if (!written.ok()) LOG_WARN("cannot write the address file: " << written.message());
}

// A worker or scheduler has no API, but answers GET /, /health and /metrics/prometheus on its
// port, so that a supervisor sees whether it is well and Prometheus can scrape it.
class Probe {
 public:
  Probe(const Config& config, HealthDependencies deps)
      : system_(std::move(deps)),
        server_(config, router_, metrics_for_requests_, [](const std::string&) -> Result<Tenant> {
          return Status(ErrorCode::kUnauthenticated, "no_api", "this process serves no API");
        }) {
    system_.Register(router_);
  }
  Status Start(const Config& config, const std::string& role) {
    ASSIGN_OR_RETURN(int port, server_.Start());
    AnnounceListening(config, "http://" + config.host + ":" + std::to_string(port), role);
    return Status::Ok();
  }

 private:
  Router router_;
  SystemApi system_;
  Metrics metrics_for_requests_;  // probes are not the traffic the dashboards watch
  HttpServer server_;
};

// What `worker` and `scheduler` share before they start: configuration, signals, the database.
struct LongRunning {
  Config config;
  std::unique_ptr<StopSignals> signals;
  Storage storage;
};

Result<LongRunning> StartLongRunning(const CommonFlags& flags) {
  LongRunning run;
  ASSIGN_OR_RETURN(run.config, LoadConfigWithFlags(flags));
  run.signals = std::make_unique<StopSignals>();
  RETURN_IF_ERROR(PrepareDataDirectory(run.config));
  ASSIGN_OR_RETURN(run.storage, OpenStorage(run.config));
  LOG_INFO("master key: " << run.storage.master_key_source);
  return run;
}

// The scheduler's work beside the usage roll-up: retention, every REFLEXIO_RETENTION_INTERVAL_S,
// grouping segments into episodes (closing quiet ones), understanding the closed ones, and each
// tenant's daily digest when their digest time has come, every round.
SchedulerOptions SchedulerOptionsFor(const Config& config, const Stores& stores, BlobStore& blobs, Metrics* metrics) {
  SchedulerOptions options{config.scheduler_interval_s, {}};
  auto sweeper = std::make_shared<RetentionSweeper>(stores, blobs, RetentionPolicy::Defaults(config), metrics);
  options.tasks.push_back({"retention", config.retention_interval_s, [sweeper]() -> Status {
                             return sweeper->Run(/*dry_run=*/false).status();
                           }});
  auto episodes = std::make_shared<EpisodeBuilder>(stores, config.episode_gap_s);
  options.tasks.push_back({"episodes", config.scheduler_interval_s, [episodes]() -> Status {
                             return episodes->Run().status();
                           }});
  // Closed episodes are understood right after grouping, in the same round.
  std::shared_ptr<Provider> provider = MakeUnderstandingProvider(config, stores, metrics);
  std::shared_ptr<LettaSync> letta = MakeLettaSync(config, stores, metrics);
  auto enricher = std::make_shared<Enricher>(stores, *provider, SystemClock::Instance(), letta.get(), config.timezone);
  options.tasks.push_back({"enrich", config.scheduler_interval_s, [enricher, provider, letta]() -> Status {
                             ASSIGN_OR_RETURN(auto report, enricher->Run());
                             if (report.episodes_enriched > 0) {
                               LOG_INFO("understood " << report.episodes_enriched << " conversation(s)");
                             }
                             return Status::Ok();
                           }});
  // Each tenant's digest at their digest time, after the day's understanding above; a
  // conversation still going then is understood on the spot, provisionally.
  auto digests = std::make_shared<DigestService>(stores, config, SystemClock::Instance(), enricher.get());
  auto http = std::make_shared<CurlHttpClient>();
  auto guard = std::make_shared<OutboundGuard>(stores.privacy, config, metrics);
  auto outbox = std::make_shared<TelegramOutbox>(stores, *http, TelegramOutboxOptionsFor(config), guard.get(), metrics);
  auto schedule = std::make_shared<DigestSchedule>(stores, *digests, *outbox);
  options.tasks.push_back({"digests", config.scheduler_interval_s,
                           [enricher, provider, digests, http, guard, outbox, schedule]() -> Status {
                             return schedule->Run().status();
                           }});
  return options;
}

void WaitForStopSignal(StopSignals& signals) {
  int signal_number = signals.Wait();
  LOG_INFO("stopping (signal " << signal_number << "); finishing jobs in hand");
}

}  // namespace

int ServeCommand(const Args& args) {
  CommonFlags flags;
  std::string role = "all";
  po::options_description options("options");
  AddCommonFlags(options, flags, /*with_port=*/true);
  options.add_options()("role", po::value(&role)->value_name("ROLE"),
                        "all (default): API and worker in one process; api: HTTP only, for a cluster where "
                        "`reflexio worker` processes transcribe (needs DATABASE_URL)");
  int exit_code = 0;
  auto vars = ParseFlags(args, "usage: reflexio serve [--port N] [--data-dir DIR] [--config FILE] [--role all|api]",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  if (role != "all" && role != "api") return Fail("--role must be all or api", 2);
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  if (role == "api" && config->database_url.empty()) {
    return Fail("--role api serves a cluster and needs PostgreSQL: set DATABASE_URL (workers share it)", 2);
  }
  auto pricing = LoadPricing(*config);
  if (!pricing.ok()) return Fail(pricing.status().message());
  StopSignals signals;

  Status prepared = PrepareDataDirectory(*config);
  if (!prepared.ok()) return Fail(prepared.message());
  auto lock = LockDataDirectory(*config);
  if (!lock.ok()) return Fail(lock.status().message());
  auto storage = OpenStorage(*config);
  if (!storage.ok()) return Fail(storage.status().message());
  const Stores& stores = storage->stores();
  BlobStore* blobs = storage->blobs.get();
  RemoveInterruptedUploads(*config);
  LOG_INFO("audio is stored in " << blobs->Describe() << "; master key: " << storage->master_key_source);

  // Embedded, this process is the only worker, so leases held at the last stop are dead. On
  // PostgreSQL other workers may hold live leases: theirs expire on their own if they died.
  if (config->database_url.empty()) {
    auto released = stores.jobs.ReleaseAllLeases();
    if (released.ok() && *released > 0) LOG_INFO("resuming " << *released << " job(s) interrupted by the last stop");
  }

  Metrics metrics;
  Metering metering(stores, std::move(*pricing), *config, metrics);
  ProcessingStack processing;
  std::unique_ptr<LeaderLock> scheduler_lock;
  std::unique_ptr<Scheduler> scheduler;
  if (role == "all") {
    auto factory = MakeEngineFactory(*config);
    if (!factory.ok()) return Fail(factory.status().message());
    auto started = StartProcessing(*config, stores, *blobs, metrics, *factory, &metering.meter);
    if (!started.ok()) return Fail(started.status().message());
    processing = std::move(*started);
    scheduler_lock = MakeSchedulerLock(config->database_url, config->data_dir);
    scheduler = std::make_unique<Scheduler>(stores.usage, *scheduler_lock, SchedulerOptionsFor(*config, stores, *blobs, &metrics));
    scheduler->Start();
  }
  Worker* local_worker = processing.worker.get();
  Ingestor ingestor(stores.recordings, *blobs, *config, metrics, [local_worker] {
    if (local_worker) local_worker->Notify();  // remote workers poll
  });
  std::unique_ptr<LiveTranscriberPool> live_transcribers = MakeLiveTranscribers(*config);
  StreamIngest streams({ingestor, stores.recordings, stores.transcripts, *config, &metering.meter,
                        live_transcribers.get()});
  std::unique_ptr<LettaSync> letta = MakeLettaSync(*config, stores, &metrics);
  // A digest asked for while the day is going understands its newest conversations on the spot.
  std::shared_ptr<Provider> provider = MakeUnderstandingProvider(*config, stores, &metrics);
  Enricher on_the_spot(stores, *provider, SystemClock::Instance(), nullptr, config->timezone);
  // Sends a digest when its person asks; the scheduler sends the evening ones.
  CurlHttpClient telegram_http;
  OutboundGuard telegram_guard(stores.privacy, *config, &metrics);
  TelegramOutbox telegram(stores, telegram_http, TelegramOutboxOptionsFor(*config), &telegram_guard, &metrics);
  CurlHttpClient stripe_http;
  StripeClient stripe(stripe_http, config->stripe);
  StripeCheckout checkout(stripe, stores.billing, metering.pricing, config->stripe, SystemClock::Instance());
  StripeWebhook webhook(stripe, stores.billing, metering.pricing,
                        {.secrets = WebhookSecrets(config->stripe), .grace_hours = config->stripe.grace_hours},
                        SystemClock::Instance());
  BrowserSignIn sign_in(stores.sessions, stores.tenants, SystemClock::Instance(),
                        {.link_minutes = 60, .session_days = config->session_days});
  Api api({stores, *blobs, ingestor, *config, metrics, processing.engines.get(), letta.get(), storage->keyring.get(),
           &SystemClock::Instance(), &telegram, &metering.pricing, &metering.meter, &checkout, &webhook,
           &metering.referrals, &sign_in, &on_the_spot, &streams});
  Router router;
  api.RegisterRoutes(router);
  HttpServer server(*config, router, metrics, [&api](const std::string& key) { return api.Authenticate(key); },
                    [&api](const std::string& key) { return api.AuthenticateOperator(key); },
                    [&api](const std::string& token) { return api.AuthenticateSession(token); });
  WebApp web_app(EmbeddedWebAssets());
  server.ServeWebApp(&web_app);
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status().message());
  std::string base_url = "http://" + config->host + ":" + std::to_string(*port);
  AnnounceListening(*config, base_url, role);

  // A first start on a laptop makes a tenant and shows its key once. In production the key would
  // land in a log collector (a container's stdout is kept), so the operator makes keys instead.
  auto tenants = stores.tenants.CountTenants();
  if (tenants.ok() && *tenants == 0 && config->environment == "production") {
    LOG_INFO("no tenant yet: make one and its API key with `reflexio keys create --tenant NAME`");
  } else if (tenants.ok() && *tenants == 0) {
    auto tenant = stores.tenants.EnsureTenant("local");
    std::string key = GenerateApiKey();
    if (tenant.ok() && stores.tenants.AddApiKey(tenant->id, HashApiKey(key), ApiKeyDisplayPrefix(key)).ok()) {
      auto link = sign_in.MakeLink(tenant->id, config->stripe.public_url.empty() ? base_url : config->stripe.public_url);
      if (!link.ok()) LOG_WARN("cannot make a sign-in link: " << link.status().message());
      PrintFirstRunBanner("local", key, base_url, link.ok() ? link->url : "");
    }
  }

  WaitForStopSignal(signals);
  server.Stop();
  streams.Stop();
  if (scheduler) scheduler->Stop();
  if (processing.worker) processing.worker->Stop();
  return 0;
}

int SchedulerCommand(const Args& args) {
  CommonFlags flags;
  po::options_description options("options");
  AddCommonFlags(options, flags, /*with_port=*/true);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio scheduler [--port N] [--data-dir DIR] [--config FILE]\n\n"
                         "Runs the timed work (daily usage roll-up, retention, episodes and understanding them,\n"
                         "daily digests). Start one on as many machines as you like: only one is active at a time\n"
                         "(a PostgreSQL advisory lock), "
                         "and another takes over within REFLEXIO_SCHEDULER_INTERVAL_S when it stops.\n"
                         "Answers GET /health and /metrics/prometheus on --port.",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  auto run = StartLongRunning(flags);
  if (!run.ok()) return Fail(run.status().message());
  auto lock = MakeSchedulerLock(run->config.database_url, run->config.data_dir);
  Scheduler scheduler(run->storage.stores().usage, *lock,
                      SchedulerOptionsFor(run->config, run->storage.stores(), *run->storage.blobs, nullptr));
  scheduler.Start();
  LOG_INFO("scheduler started; waiting for the " << lock->Describe());
  const Stores& stores = run->storage.stores();
  Metrics probe_metrics;
  Probe probe(run->config, {stores.jobs, *run->storage.blobs, run->config, probe_metrics, nullptr, &stores.outbox});
  if (Status started = probe.Start(run->config, "scheduler"); !started.ok()) {
    scheduler.Stop();
    return Fail(started.message());
  }
  WaitForStopSignal(*run->signals);
  scheduler.Stop();
  return 0;
}

int WorkerCommand(const Args& args) {
  CommonFlags flags;
  po::options_description options("options");
  AddCommonFlags(options, flags, /*with_port=*/true);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio worker [--port N] [--data-dir DIR] [--config FILE]\n\n"
                         "Claims transcription jobs from the shared PostgreSQL queue and runs them; no HTTP. Run any\n"
                         "number of them on any number of machines against the same DATABASE_URL and object store.\n"
                         "Answers GET /health and /metrics/prometheus on --port (one port per worker on a host).",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  auto run = StartLongRunning(flags);
  if (!run.ok()) return Fail(run.status().message());
  const Config* config = &run->config;
  if (config->database_url.empty()) {
    return Fail("reflexio worker takes jobs from a shared queue and needs PostgreSQL: set DATABASE_URL "
                "(on one machine, reflexio serve already runs its own worker)", 2);
  }
  BlobStore* blobs = run->storage.blobs.get();
  if (config->blob_backend == "filesystem") {
    LOG_WARN("audio is on the local filesystem; workers on other machines need REFLEXIO_BLOB_BACKEND=s3");
  }
  auto pricing = LoadPricing(*config);
  if (!pricing.ok()) return Fail(pricing.status().message());
  Metrics metrics;
  const Stores& stores = run->storage.stores();
  Metering metering(stores, std::move(*pricing), *config, metrics);
  auto factory = MakeEngineFactory(*config);
  if (!factory.ok()) return Fail(factory.status().message());
  auto processing = StartProcessing(*config, stores, *blobs, metrics, *factory, &metering.meter);
  if (!processing.ok()) return Fail(processing.status().message());
  LOG_INFO("worker ready: " << config->worker_threads << " thread(s), audio in " << blobs->Describe());
  Probe probe(*config, {run->storage.stores().jobs, *blobs, *config, metrics, processing->engines.get()});
  if (Status started = probe.Start(*config, "worker"); !started.ok()) {
    processing->worker->Stop();
    return Fail(started.message());
  }
  WaitForStopSignal(*run->signals);
  processing->worker->Stop();
  return 0;
}

}  // namespace reflexio
