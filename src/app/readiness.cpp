#include "app/readiness.h"

#include <pqxx/pqxx>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <regex>
#include <sstream>

#include "app/app_context.h"
#include "app/speech_clip.h"
#include "audio/decoder.h"
#include "billing/pricing.h"
#include "billing/stripe_client.h"
#include "core/file_util.h"
#include "core/http_client.h"
#include "core/ids.h"
#include "core/metrics.h"
#include "core/strings.h"
#include "digest/telegram_client.h"
#include "llm/chat_client.h"
#include "privacy/master_key.h"
#include "storage/migrations.h"
#include "storage/postgres_database.h"
#include "storage/sqlite.h"
#include "understanding/providers.h"

namespace reflexio {

namespace {

using State = GateResult::State;

GateResult Pass(std::string gate, std::string detail) { return {std::move(gate), State::kPass, std::move(detail), ""}; }
GateResult Fail(std::string gate, std::string detail, std::string remedy) {
  return {std::move(gate), State::kFail, std::move(detail), std::move(remedy)};
}
GateResult Warn(std::string gate, std::string detail, std::string remedy) {
  return {std::move(gate), State::kWarn, std::move(detail), std::move(remedy)};
}
GateResult Skip(std::string gate, std::string detail) { return {std::move(gate), State::kSkip, std::move(detail), ""}; }

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string Seconds(double s) {
  std::ostringstream out;
  out.precision(s < 10 ? 2 : 3);
  out << s << " s";
  return out.str();
}

// Settings that must come together for a configured feature; the values are never shown.
GateResult SettingsGate(const Config& config) {
  std::vector<std::string> missing, features;
  if (config.blob_backend == "s3") {
    features.push_back("S3 object store");
    if (config.s3_endpoint.empty()) missing.push_back("REFLEXIO_S3_ENDPOINT");
    if (config.s3_bucket.empty()) missing.push_back("REFLEXIO_S3_BUCKET");
    if (config.s3_access_key_id.empty()) missing.push_back("REFLEXIO_S3_ACCESS_KEY_ID");
    if (config.s3_secret_access_key.empty()) missing.push_back("REFLEXIO_S3_SECRET_ACCESS_KEY");
  }
  if (config.llm.provider == "chat") {
    features.push_back("LLM " + config.llm.model);
    if (config.llm.base_url.empty()) missing.push_back("REFLEXIO_LLM_BASE_URL");
    if (config.llm.model.empty()) missing.push_back("REFLEXIO_LLM_MODEL");
  }
  if (config.asr_engine == "remote") {
    features.push_back("remote ASR");
    if (config.remote_asr.base_urls.empty()) missing.push_back("REFLEXIO_ASR_REMOTE_URLS");
  }
  if (!config.telegram.bot_token.empty()) features.push_back("Telegram digests");
  if (!config.letta.api_url.empty()) features.push_back("Letta");
  if (!config.stripe.secret_key.empty() || !config.stripe.webhook_secret.empty()) {
    features.push_back("Stripe billing");
    if (config.stripe.secret_key.empty()) missing.push_back("STRIPE_SECRET_KEY");
    if (config.stripe.webhook_secret.empty()) missing.push_back("STRIPE_WEBHOOK_SECRET");
  }
  bool cluster = !config.database_url.empty();
  bool explicit_key = !config.encryption_key_file.empty() || !config.encryption_password.empty();
  if ((cluster || config.environment == "production") && !explicit_key) {
    missing.push_back("AUDIO_ENCRYPTION_PASSWORD and AUDIO_ENCRYPTION_SALT, or REFLEXIO_KEY_FILE");
  }
  std::string configured = features.empty() ? "no outside service configured" : "configured: ";
  for (size_t i = 0; i < features.size(); ++i) configured += (i ? ", " : "") + features[i];
  if (missing.empty()) return Pass("settings", configured);
  std::string list;
  for (const auto& name : missing) list += (list.empty() ? "" : ", ") + name;
  return Fail("settings", configured + "; missing " + list, "set " + list + " (see .env.example)");
}

GateResult PricingGate(const Config& config) {
  auto pricing = LoadPricing(config);
  if (!pricing.ok()) {
    return Fail("pricing", pricing.status().message(), "correct REFLEXIO_PRICING_FILE (src/billing/pricing.json shows the shape)");
  }
  const Plan& free = pricing->FreePlan();
  std::ostringstream allowance;
  if (free.daily_speech_minutes) allowance << *free.daily_speech_minutes << " min a day";
  else allowance << "unlimited";
  return Pass("pricing", std::to_string(pricing->plans.size()) + " plans, " + pricing->version + "; free: " + allowance.str());
}

GateResult DatabaseGate(const Config& config) {
  bool postgres = !config.database_url.empty();
  std::string what = postgres ? "PostgreSQL" : "SQLite " + DatabasePath(config);
  auto opened = OpenDatabase(config);
  if (!opened.ok()) {
    return Fail("database", what + ": " + opened.status().message(),
                postgres ? "start PostgreSQL, check DATABASE_URL, run `reflexio migrate --database-url OWNER_URL`"
                         : "check the data directory (REFLEXIO_DATA_DIR) is writable");
  }
  Status verified;
  std::vector<Migration> migrations = postgres ? EmbeddedPostgresMigrations() : EmbeddedSqliteMigrations();
  if (postgres) {
    PostgresMigrationTarget target(config.database_url);
    verified = VerifyMigrations(target, migrations);
    if (verified.ok()) verified = VerifyRowLevelSecurity(config.database_url);
  } else {
    auto connection = SqliteConnection::Open(DatabasePath(config));
    if (!connection.ok()) return Fail("database", what + ": " + connection.status().message(), "check the data directory");
    SqliteMigrationTarget target(**connection);
    verified = VerifyMigrations(target, migrations);
  }
  if (!verified.ok()) {
    return Fail("database", what + ": " + verified.message(),
                "run `reflexio migrate` as the owner, then `reflexio migrate --verify`");
  }
  return Pass("database", what + ": " + std::to_string(migrations.size()) + " migrations applied and unchanged" +
                              (postgres ? ", row-level security on every tenant table" : ""));
}

// Opens the storage into `storage` for the gates after it (never creating a master key).
GateResult MasterKeyGate(const Config& config, std::optional<Storage>& storage) {
  bool explicit_key = !config.encryption_key_file.empty() || !config.encryption_password.empty() ||
                      !config.encryption_salt.empty();
  if (!explicit_key && !std::filesystem::exists(DefaultKeyFilePath(config))) {
    return Warn("master_key", "no master key yet", "start `reflexio serve` once: it creates " +
                                                       DefaultKeyFilePath(config).string() + " (back it up)");
  }
  auto loaded = OpenStorage(config);
  if (!loaded.ok()) return Fail("master_key", loaded.status().message(), "set the master key every process shares");
  storage = std::move(*loaded);
  auto tenants = storage->stores().tenants.ListTenants();
  if (!tenants.ok()) return Fail("master_key", tenants.status().message(), "fix the database first");
  int opened = 0;
  for (const Tenant& tenant : *tenants) {
    auto opens = storage->keyring->Opens(tenant.id);
    if (!opens.ok()) {
      return Fail("master_key", "tenant " + tenant.name + ": " + opens.status().message(),
                  "use the master key the data was stored with (or finish `reflexio keys rotate`)");
    }
    opened += *opens ? 1 : 0;
  }
  return Pass("master_key", storage->master_key_source + " opens the key of each of " + std::to_string(opened) +
                                " tenant(s) that stored something (" + std::to_string(tenants->size()) + " in all)");
}

GateResult ObjectStoreGate(const Config& config) {
  auto store = MakeBlobStore(config);
  if (!store.ok()) return Fail("object_store", store.status().message(), "fix the REFLEXIO_S3_* settings");
  std::string where = (*store)->Describe();
  std::string key = "check/probe-" + NewId();
  std::string probe = "reflexio check " + NewId();
  Status put = (*store)->Put(key, probe);
  if (!put.ok()) return Fail("object_store", where + ": cannot write: " + put.message(), "make the store writable");
  auto read = (*store)->Get(key);
  Status removed = (*store)->Delete(key);
  if (!read.ok() || *read != probe) {
    return Fail("object_store", where + ": wrote a probe but " + (read.ok() ? "read other bytes" : read.status().message()),
                "check the store's consistency and permissions");
  }
  if (!removed.ok()) return Fail("object_store", where + ": cannot delete: " + removed.message(), "allow deletes");
  return Pass("object_store", where + ": a probe written, read back and deleted");
}

GateResult DiskGate(const Config& config) {
  auto free_bytes = FreeDiskBytes(config.data_dir);
  if (!free_bytes.ok()) return Fail("disk", free_bytes.status().message(), "create the data directory");
  double gib = *free_bytes / double(1ull << 30);
  std::ostringstream detail;
  detail.precision(3);
  detail << gib << " GiB free in " << config.data_dir << " (degraded below "
         << config.min_free_disk_bytes / double(1ull << 20) << " MiB)";
  if (*free_bytes < config.min_free_disk_bytes) return Fail("disk", detail.str(), "free space or move REFLEXIO_DATA_DIR");
  if (*free_bytes < 2 * config.min_free_disk_bytes) return Warn("disk", detail.str(), "free space soon");
  return Pass("disk", detail.str());
}

// PostgreSQL's clock against ours; embedded, ours must not be behind the database's last write.
GateResult ClockGate(const Config& config) {
  auto now = std::chrono::system_clock::now();
  if (!config.database_url.empty()) {
    try {
      pqxx::connection c(config.database_url);
      pqxx::nontransaction tx(c);
      double theirs = tx.exec1("SELECT extract(epoch FROM clock_timestamp())")[0].as<double>();
      double ours = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      double skew = ours - theirs;
      std::string detail = "this machine and PostgreSQL differ by " + Seconds(std::fabs(skew));
      if (std::fabs(skew) > 30) return Fail("clock", detail, "synchronise the clocks (NTP): digests and leases use them");
      return Pass("clock", detail);
    } catch (const std::exception& e) {
      return Fail("clock", std::string("cannot ask PostgreSQL the time: ") + e.what(), "fix the database first");
    }
  }
  struct stat written {};
  if (::stat(DatabasePath(config).c_str(), &written) != 0) return Skip("clock", "no database written yet");
  double behind = static_cast<double>(written.st_mtime) -
                  std::chrono::duration<double>(now.time_since_epoch()).count();
  if (behind > 60) {
    return Fail("clock", "the database was last written " + Seconds(behind) + " in this machine's future",
                "set the clock right (NTP)");
  }
  return Pass("clock", "not behind the database's last write");
}

// A person saying "front center", decoded and transcribed by the configured engine.
GateResult AsrGate(const Config& config) {
  auto factory = MakeEngineFactory(config);
  if (!factory.ok()) return Fail("asr", factory.status().message(), "fix the REFLEXIO_ASR_* settings");
  auto started = std::chrono::steady_clock::now();
  auto engine = (*factory)();
  if (!engine.ok()) return Fail("asr", engine.status().message(), "install the model or fix the engine's settings");
  std::string_view clip = SpeechClip();
  ByteSource source{clip.size(), [clip](uint64_t offset, size_t length) -> Result<std::string> {
                      return std::string(offset >= clip.size() ? std::string_view() : clip.substr(offset, length));
                    }};
  auto audio = DecodeAudioSource(source);
  if (!audio.ok()) return Fail("asr", "the built-in clip does not decode: " + audio.status().message(), "check FFmpeg");
  auto heard = (*engine)->Transcribe(audio->samples);
  if (!heard.ok()) return Fail("asr", config.asr_engine + ": " + heard.status().message(), "check the engine");
  std::string text = heard->text;
  std::string detail = heard->engine + " heard \"" + text + "\" in " + Seconds(SecondsSince(started)) +
                       " (the clip says \"front center\")";
  std::string lower = AsciiLower(text);
  if (text.empty()) return Fail("asr", detail, "the engine heard nothing: check its model");
  if (lower.find("center") == std::string::npos && lower.find("front") == std::string::npos) {
    return Warn("asr", detail, "the engine runs but misheard: check its model and language");
  }
  return Pass("asr", detail);
}

// The exposition a fresh Metrics writes, with one of each kind observed, read back line by line.
GateResult MetricsGate() {
  Metrics metrics;
  metrics.ObserveRequest("/health", "GET", 200, 0.001);
  metrics.ObserveAsrRealTimeFactor("check", 0.1);
  metrics.SetDiskBytes(1, 1);
  std::string text = metrics.Serialize();
  static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$)");
  static const std::regex kMeta(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::istringstream lines(text);
  std::string line;
  int samples = 0, number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    bool ok = line[0] == '#' ? std::regex_match(line, kMeta) : std::regex_match(line, kSample);
    if (!ok) return Fail("metrics", "line " + std::to_string(number) + " is not exposition format: " + line, "report a bug");
    if (line[0] != '#') ++samples;
  }
  if (samples == 0) return Fail("metrics", "the exposition holds no sample", "report a bug");
  return Pass("metrics", std::to_string(samples) + " samples in valid exposition format");
}

GateResult TelegramGate(const Config& config) {
  if (config.telegram.bot_token.empty()) return Skip("telegram", "no TELEGRAM_BOT_TOKEN: digests are not sent");
  CurlHttpClient http;
  TelegramClient client(http, {config.telegram.api_url, config.telegram.bot_token, 15});
  auto me = client.GetMe();
  if (!me.ok()) {
    bool refused = me.status().code() == ErrorCode::kUnauthenticated;
    return Fail("telegram", me.status().message(),
                refused ? "TELEGRAM_BOT_TOKEN is refused: take the token @BotFather gave" : "check TELEGRAM_API_URL");
  }
  return Pass("telegram", "getMe: the token belongs to " + *me);
}

GateResult StripeGate(const Config& config) {
  if (config.stripe.secret_key.empty()) return Skip("stripe", "no STRIPE_SECRET_KEY: billing is off");
  CurlHttpClient http;
  auto balance = StripeClient(http, config.stripe).GetBalance();
  if (!balance.ok()) {
    bool refused = balance.status().code() == ErrorCode::kUnauthenticated;
    return Fail("stripe", balance.status().message(),
                refused ? "STRIPE_SECRET_KEY is refused: take the secret key from the Stripe dashboard (Developers → API keys)"
                        : "check STRIPE_API_URL and that this host reaches Stripe");
  }
  std::string mode = balance->livemode ? "live mode" : "test mode";
  if (!balance->livemode && config.environment == "production") {
    return Warn("stripe", "the balance was read, but with a test-mode key in production: no real payment will be taken",
                "set the live secret key (sk_live_…) and its webhook secret");
  }
  return Pass("stripe", "read the account's balance (" + mode + ")");
}

GateResult LlmGate(const Config& config) {
  if (config.llm.provider != "chat") return Skip("llm", "the embedded provider: nothing leaves the machine");
  ChatConfig chat{.base_url = config.llm.base_url, .api_key = config.llm.api_key, .model = config.llm.model,
                  .timeout_s = 30, .response_format = "none", .logprobs = false, .max_tokens = 1};
  ChatClient client(chat, std::make_shared<CurlHttpClient>());
  auto started = std::chrono::steady_clock::now();
  auto answer = client.Complete({{{"user", "Reply with the single word: ok"}}, "", nullptr});
  if (!answer.ok()) {
    return Fail("llm", config.llm.model + " at " + config.llm.base_url + ": " + answer.status().message(),
                "check REFLEXIO_LLM_BASE_URL, REFLEXIO_LLM_MODEL and REFLEXIO_LLM_API_KEY");
  }
  return Pass("llm", "a one-token completion from " + answer->model + " in " + Seconds(SecondsSince(started)));
}

GateResult LettaGate(const Config& config, const Stores* stores) {
  if (config.letta.api_url.empty()) return Skip("letta", "no LETTA_API_URL: core memory stays here");
  if (stores == nullptr) {
    return Fail("letta", "not asked: the stored data could not be opened (see database and master_key)",
                "fix those gates first");
  }
  auto letta = MakeLettaSync(config, *stores, nullptr);
  Status answered = letta->Ping();
  if (!answered.ok()) return Fail("letta", answered.message(), "check LETTA_API_URL and LETTA_API_KEY");
  return Pass("letta", "listed blocks at " + config.letta.api_url);
}

}  // namespace

const char* GateStateName(GateResult::State state) {
  switch (state) {
    case State::kPass: return "ok";
    case State::kWarn: return "warn";
    case State::kFail: return "FAIL";
    case State::kSkip: return "skip";
  }
  return "?";
}

std::vector<GateResult> RunReadinessGates(const Config& config) {
  std::vector<GateResult> results;
  results.push_back(SettingsGate(config));
  results.push_back(PricingGate(config));
  results.push_back(DatabaseGate(config));
  bool database_ok = results.back().state == State::kPass;
  std::optional<Storage> storage;  // opened once, by the master-key gate
  results.push_back(database_ok ? MasterKeyGate(config, storage)
                                : Fail("master_key", "not checked: the database did not open", "fix the database first"));
  results.push_back(ObjectStoreGate(config));
  results.push_back(DiskGate(config));
  results.push_back(ClockGate(config));
  results.push_back(AsrGate(config));
  results.push_back(MetricsGate());
  results.push_back(TelegramGate(config));
  results.push_back(StripeGate(config));
  results.push_back(LlmGate(config));
  results.push_back(LettaGate(config, storage ? &storage->stores() : nullptr));
  return results;
}

bool AllRequiredPass(const std::vector<GateResult>& results) {
  for (const GateResult& result : results) {
    if (result.state == State::kFail) return false;
  }
  return true;
}

}  // namespace reflexio
