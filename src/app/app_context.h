// What every command shares: configuration with flags applied, the data directory, the
// database, and the ASR engine factory chosen by configuration. Used from main's thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "asr/engine.h"
#include "asr/engine_pool.h"
#include "asr/live_transcriber.h"
#include "billing/speech_meter.h"
#include "core/config.h"
#include "core/file_lock.h"
#include "core/metrics.h"
#include "jobs/worker.h"
#include "pipeline/processor.h"
#include "privacy/keyring.h"
#include "privacy/sealed_stores.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace reflexio {

struct CommonFlags {
  std::string config_file;
  std::string data_dir;
  std::optional<int> port;
};

// Also applies the configured log level and format to this process.
Result<Config> LoadConfigWithFlags(const CommonFlags& flags);
Status PrepareDataDirectory(const Config& config);
// One process at a time serves (or rotates keys in) a data directory: an exclusive flock held
// while the returned lock lives (or until the process exits).
Result<FileLock> LockDataDirectory(const Config& config);
// SQLite in the data directory (migrated on open), or PostgreSQL when DATABASE_URL is set
// (checked against the built-in migrations; `reflexio migrate` applies them as the owner).
Result<std::unique_ptr<Database>> OpenDatabase(const Config& config);
std::string DatabasePath(const Config& config);

// What every command that touches tenant data works on: the database and the blob store, both
// sealing what they keep with tenant keys from the keyring (which the master key unlocks).
struct Storage {
  std::unique_ptr<Keyring> keyring;
  std::unique_ptr<Database> backend;   // OpenDatabase's
  std::unique_ptr<SealedStores> sealed;  // the backend's roles, those holding words sealed
  std::unique_ptr<BlobStore> blobs;   // an EncryptedBlobStore over MakeBlobStore's store
  std::string master_key_source;      // for logs

  const Stores& stores() const { return sealed->stores(); }
};
// Loads the master key (LoadMasterKeys: may generate the development key file, and says so),
// then opens the database and the blob store.
Result<Storage> OpenStorage(const Config& config);

// The engine named by config.asr_engine (or `override_engine`), wired with fallback for remote.
// The PocketSphinx decoders that give streams partial transcripts (config.stream_live_transcribers
// of them); null, with a warning, when there are none to make.
std::unique_ptr<LiveTranscriberPool> MakeLiveTranscribers(const Config& config);
Result<AsrEngineFactory> MakeEngineFactory(const Config& config, const std::string& override_engine = "");

// What meters speech in a process that serves or transcribes, over `stores`: the plans, the
// referral program that hears of charged speech, and the speech meter — enforced with
// REFLEXIO_QUOTA, days in REFLEXIO_TIMEZONE for tenants that set no zone. Neither copied nor
// moved: the parts refer to one another.
struct Metering {
  Metering(const Stores& stores, Pricing plans, const Config& config, Metrics& metrics);
  Metering(const Metering&) = delete;
  Metering& operator=(const Metering&) = delete;

  const Pricing pricing;
  ReferralProgram referrals;
  SpeechMeter meter;
};

// Everything that turns queued jobs into transcripts, as the server runs it: config.worker_threads
// engines made by `engines`, the recording processor, and a started Worker, which charges each
// transcribed recording's speech to `meter` (when not null). Members are stopped in reverse
// order (the worker first) when the stack goes.
struct ProcessingStack {
  std::unique_ptr<EnginePool> engines;
  std::unique_ptr<RecordingProcessor> processor;
  std::unique_ptr<Worker> worker;
};
Result<ProcessingStack> StartProcessing(const Config& config, const Stores& stores, BlobStore& blobs, Metrics& metrics,
                                        const AsrEngineFactory& engines, SpeechMeter* meter);

}  // namespace reflexio
