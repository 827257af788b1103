// `reflexio serve`: the whole embedded system in one process — HTTP API, worker, engine pool.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "api/api.h"
#include "app/flags.h"
#include "asr/engine_pool.h"
#include "core/log.h"
#include "crypto/api_key.h"
#include "jobs/worker.h"
#include "pipeline/processor.h"

namespace reflexio {

namespace {

// One server per data directory: the embedded queue assumes it is the only worker.
Result<int> LockDataDirectory(const Config& config) {
  std::string path = (std::filesystem::path(config.data_dir) / "reflexio.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot open " + path, "data_dir_unavailable");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Unavailable("another reflexio server is already using " + config.data_dir +
                           "; stop it or choose another --data-dir", "data_dir_locked");
  }
  return fd;
}

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

void PrintFirstRunBanner(const std::string& tenant, const std::string& key, const std::string& base_url) {
  std::cout << "\nReflexio created tenant \"" << tenant << "\" for this data directory.\n"
            << "Its API key is shown only now; keep it somewhere safe:\n\n    " << key << "\n\n"
            << "Upload a first recording and search it:\n\n"
            << "    curl -H 'Authorization: Bearer " << key << "' -H 'Content-Type: audio/wav' \\\n"
            << "         --data-binary @recording.wav " << base_url << "/v1/recordings\n"
            << "    curl -H 'Authorization: Bearer " << key << "' '" << base_url << "/v1/search?q=hello'\n\n"
            << "More keys: reflexio keys create --tenant NAME\n"
            << std::flush;
}

}  // namespace

int ServeCommand(const Args& args) {
  CommonFlags flags;
  po::options_description options("options");
  AddCommonFlags(options, flags, /*with_port=*/true);
  int exit_code = 0;
  auto vars = ParseFlags(args, "usage: reflexio serve [--port N] [--data-dir DIR] [--config FILE]", options, nullptr,
                         exit_code);
  if (!vars) return exit_code;
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  SetLogLevel(ParseLogLevel(config->log_level));

  // Signals are taken synchronously by this thread; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Status prepared = PrepareDataDirectory(*config);
  if (!prepared.ok()) return Fail(prepared.message());
  auto lock = LockDataDirectory(*config);
  if (!lock.ok()) return Fail(lock.status().message());
  auto db = OpenDatabase(*config);
  if (!db.ok()) return Fail(db.status().message());
  RemoveInterruptedUploads(*config);

  auto factory = MakeEngineFactory(*config);
  if (!factory.ok()) return Fail(factory.status().message());
  LOG_INFO("loading " << config->worker_threads << " " << config->asr_engine << " decoder(s)");
  auto engines = EnginePool::Create(config->worker_threads, *factory);
  if (!engines.ok()) return Fail(engines.status().message());

  // Embedded, this process is the only worker, so leases held at the last stop are dead. On
  // PostgreSQL other workers may hold live leases: theirs expire on their own if they died.
  if (config->database_url.empty()) {
    auto released = (*db)->ReleaseAllLeases();
    if (released.ok() && *released > 0) LOG_INFO("resuming " << *released << " job(s) interrupted by the last stop");
  }

  auto blobs = MakeBlobStore(*config);
  if (!blobs.ok()) return Fail(blobs.status().message());
  LOG_INFO("audio is stored in " << (*blobs)->Describe());

  Metrics metrics;
  RecordingProcessor processor(**db, **blobs, **engines, *config, metrics);
  Worker worker(**db, [&processor](const Job& job) { return processor.Process(job); },
                {.threads = config->worker_threads, .lease_s = config->job_lease_s,
                 .retry_base_s = config->job_retry_base_s},
                metrics);
  Ingestor ingestor(**db, **blobs, *config, metrics, [&worker] { worker.Notify(); });
  std::string engine_name = (*engines)->engine_name();
  Api api({**db, **blobs, ingestor, *config, metrics, [&engine_name] { return engine_name; }});
  Router router;
  api.RegisterRoutes(router);
  HttpServer server(*config, router, metrics, [&api](const std::string& key) { return api.Authenticate(key); },
                    ingestor.UploadDir());
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status().message());
  worker.Start();
  std::string base_url = "http://" + config->host + ":" + std::to_string(*port);
  LOG_INFO("listening on " << base_url << " (data in " << std::filesystem::absolute(config->data_dir).string() << ")");

  auto tenants = (*db)->CountTenants();
  if (tenants.ok() && *tenants == 0) {
    auto tenant = (*db)->EnsureTenant("local");
    std::string key = GenerateApiKey();
    if (tenant.ok() && (*db)->AddApiKey(tenant->id, HashApiKey(key), ApiKeyDisplayPrefix(key)).ok()) {
      PrintFirstRunBanner("local", key, base_url);
    }
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LOG_INFO("stopping (signal " << signal_number << "); finishing jobs in hand");
  server.Stop();
  worker.Stop();
  ::close(*lock);
  return 0;
}

}  // namespace reflexio
