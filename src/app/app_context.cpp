#include "app/app_context.h"

#include <filesystem>

#include "asr/pocketsphinx_engine.h"
#include "asr/remote_engine.h"
#include "asr/whisper/whisper.h"
#include "core/file_util.h"
#include "core/log.h"
#include "privacy/encrypted_blob_store.h"
#include "privacy/master_key.h"
#include "storage/postgres_database.h"
#include "storage/sqlite_database.h"

namespace reflexio {

Result<Config> LoadConfigWithFlags(const CommonFlags& flags) {
  ASSIGN_OR_RETURN(Config config, LoadConfig(flags.config_file, ProcessEnvironment()));
  if (!flags.data_dir.empty()) config.data_dir = flags.data_dir;
  if (flags.port) {
    if (*flags.port < 0 || *flags.port > 65535) return InvalidArgument("--port must be from 0 to 65535", "invalid_flag");
    config.port = *flags.port;
  }
  SetLogLevel(ParseLogLevel(config.log_level));
  SetLogFormat(ParseLogFormat(config.log_format));
  return config;
}

std::string DatabasePath(const Config& config) {
  return (std::filesystem::path(config.data_dir) / "reflexio.db").string();
}

Status PrepareDataDirectory(const Config& config) {
  std::filesystem::path dir(config.data_dir);
  for (const char* sub : {"", "tmp", "incoming", "audio"}) {
    RETURN_IF_ERROR(EnsureDirectory(dir / sub));
  }
  std::error_code ec;
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  return Status::Ok();
}

Result<FileLock> LockDataDirectory(const Config& config) {
  std::string path = (std::filesystem::path(config.data_dir) / "reflexio.lock").string();
  ASSIGN_OR_RETURN(std::optional<FileLock> lock, FileLock::TryAcquire(path));
  if (!lock) {
    return Unavailable("another reflexio server is already using " + config.data_dir +
                           "; stop it or choose another --data-dir", "data_dir_locked");
  }
  return std::move(*lock);
}

Result<std::unique_ptr<Database>> OpenDatabase(const Config& config) {
  RETURN_IF_ERROR(PrepareDataDirectory(config));
  if (!config.database_url.empty()) {
    ASSIGN_OR_RETURN(auto db, PostgresDatabase::Open(config.database_url, config.database_pool_size,
                                                     EmbeddedPostgresMigrations()));
    return std::unique_ptr<Database>(std::move(db));
  }
  ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open(DatabasePath(config), EmbeddedSqliteMigrations()));
  return std::unique_ptr<Database>(std::move(db));
}

Result<Storage> OpenStorage(const Config& config) {
  ASSIGN_OR_RETURN(MasterKeys masters, LoadMasterKeys(config));
  if (masters.generated) {
    LOG_WARN("created a new master key in " << masters.key_file->string()
                                            << " (mode 0600). Back it up: without it nothing stored here can be read");
  }
  Storage storage;
  storage.master_key_source = masters.described_source + ", id " + masters.primary.id;
  if (!masters.also_unwrap.empty()) {
    LOG_WARN("a master key rotation was interrupted; run `reflexio keys rotate` again to finish it");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Database> backend, OpenDatabase(config));
  storage.backend = std::move(backend);
  storage.keyring = std::make_unique<Keyring>(PlainStores(*storage.backend), std::move(masters));
  storage.sealed = std::make_unique<SealedStores>(*storage.backend, *storage.keyring);
  ASSIGN_OR_RETURN(std::unique_ptr<BlobStore> store, MakeBlobStore(config));
  storage.blobs = std::make_unique<EncryptedBlobStore>(std::move(store), *storage.keyring);
  return storage;
}

std::unique_ptr<LiveTranscriberPool> MakeLiveTranscribers(const Config& config) {
  if (config.stream_live_transcribers <= 0) return nullptr;
  auto pool = LiveTranscriberPool::Create(config.stream_live_transcribers, config.pocketsphinx_model_dir);
  if (!pool.ok()) {
    LOG_WARN("streams get no partial transcripts: " << pool.status().message());
    return nullptr;
  }
  return std::move(pool).value();
}

Result<AsrEngineFactory> MakeEngineFactory(const Config& config, const std::string& override_engine) {
  std::string engine = override_engine.empty() ? config.asr_engine : override_engine;
  std::string model_dir = config.pocketsphinx_model_dir;
  AsrEngineFactory pocketsphinx = [model_dir] { return PocketSphinxEngine::Create(model_dir); };
  if (engine == "pocketsphinx") return pocketsphinx;
  if (engine == "whisper") {
    if (config.whisper_model_dir.empty()) {
      return InvalidArgument("the whisper engine needs REFLEXIO_WHISPER_MODEL (a Whisper checkpoint directory)",
                             "invalid_config");
    }
    // One model in memory for every worker thread; PocketSphinx takes over a recording Whisper fails on.
    ASSIGN_OR_RETURN(auto checkpoint, LoadWhisper({config.whisper_model_dir, config.whisper_languages}));
    return AsrEngineFactory([checkpoint, pocketsphinx]() -> Result<std::unique_ptr<AsrEngine>> {
      return std::unique_ptr<AsrEngine>(std::make_unique<FallbackEngine>(MakeWhisperEngine(checkpoint), pocketsphinx));
    });
  }
  if (engine == "remote") {
    if (config.remote_asr.base_urls.empty()) {
      return InvalidArgument("the remote engine needs REFLEXIO_ASR_REMOTE_URLS (comma-separated base URLs)",
                             "invalid_config");
    }
    auto endpoints = std::make_shared<RemoteEndpoints>(config.remote_asr.base_urls, config.remote_asr.breaker_failures,
                                                       config.remote_asr.breaker_cooldown_s);
    auto http = std::make_shared<CurlHttpClient>();
    RemoteAsrConfig remote = config.remote_asr;
    AsrEngineFactory fallback = remote.fallback_to_embedded ? pocketsphinx : AsrEngineFactory();
    return AsrEngineFactory([remote, endpoints, http, fallback]() -> Result<std::unique_ptr<AsrEngine>> {
      return std::unique_ptr<AsrEngine>(
          std::make_unique<FallbackEngine>(std::make_unique<RemoteEngine>(remote, endpoints, http), fallback));
    });
  }
  return InvalidArgument("unknown engine '" + engine + "' (pocketsphinx, remote or whisper)", "invalid_flag");
}

Metering::Metering(const Stores& stores, Pricing plans, const Config& config, Metrics& metrics)
    : pricing(std::move(plans)),
      referrals(stores.referrals, stores.billing, stores.privacy, pricing, SystemClock::Instance()),
      meter(stores.billing, stores.privacy, pricing, {.enforce = config.quota, .default_time_zone = config.timezone},
            SystemClock::Instance(), metrics, &referrals) {}

Result<ProcessingStack> StartProcessing(const Config& config, const Stores& stores, BlobStore& blobs, Metrics& metrics,
                                        const AsrEngineFactory& engines, SpeechMeter* meter) {
  ProcessingStack stack;
  LOG_INFO("loading " << config.worker_threads << " " << config.asr_engine << " decoder(s)");
  ASSIGN_OR_RETURN(stack.engines, EnginePool::Create(config.worker_threads, engines));
  stack.processor = std::make_unique<RecordingProcessor>(stores, blobs, *stack.engines, config, metrics);
  stack.worker = std::make_unique<Worker>(
      stores.jobs,
      [p = stack.processor.get(), meter](const Job& job) {
        JobOutcome outcome = p->Process(job);
        if (outcome.status.ok() && meter != nullptr) {
          // Not a failure of the job: the speech is charged again before the tenant's usage is next read.
          Status charged = meter->ChargeFinished(job.tenant_id);
          if (!charged.ok()) LOG_WARN("the speech of recording " << job.recording_id << " is not charged yet: " << charged.message());
        }
        return outcome;
      },
      WorkerOptions{.threads = config.worker_threads, .lease_s = config.job_lease_s,
                    .retry_base_s = config.job_retry_base_s},
      metrics);
  stack.worker->Start();
  return stack;
}

}  // namespace reflexio
