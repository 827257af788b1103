#include "core/config.h"

#include "core/local_time.h"
#include "core/strings.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include <toml++/toml.h>

namespace reflexio {

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::string trimmed = TrimWhitespace(item);
    if (!trimmed.empty()) out.push_back(std::move(trimmed));
  }
  return out;
}

// Applies one setting from a string, whatever its source; `source` names it in errors.
class Setter {
 public:
  explicit Setter(std::string source) : source_(std::move(source)) {}
  Status Str(const std::string& name, const std::string& value, std::string& out) {
    out = value;
    return Status::Ok();
  }
  template <typename Number>
  Status Num(const std::string& name, const std::string& value, Number& out, double min,
             double max) {
    char* end = nullptr;
    double parsed = std::strtod(value.c_str(), &end);
    if (value.empty() || end == nullptr || *end != '\0' || parsed < min || parsed > max) {
      std::ostringstream msg;
      msg << source_ << ": " << name << "='" << value << "' must be a number from " << min
          << " to " << max;
      return InvalidArgument(msg.str(), "invalid_config");
    }
    out = static_cast<Number>(parsed);
    return Status::Ok();
  }
  Status Bool(const std::string& name, const std::string& value, bool& out) {
    if (value == "1" || value == "true" || value == "yes") { out = true; return Status::Ok(); }
    if (value == "0" || value == "false" || value == "no") { out = false; return Status::Ok(); }
    return InvalidArgument(source_ + ": " + name + " must be true or false", "invalid_config");
  }

 private:
  std::string source_;
};

// One table drives both the TOML keys and the environment variable names.
struct Setting {
  const char* toml_key;  // "section.key"
  const char* env_name;
  std::function<Status(Setter&, const std::string& name, const std::string& value, Config&)> apply;
};

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"server.environment", "REFLEXIO_ENV",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (v != "development" && v != "production") {
           return InvalidArgument(n + " must be development or production, not '" + v + "'", "invalid_config");
         }
         return s.Str(n, v, c.environment);
       }},
      {"privacy.encryption_password", "AUDIO_ENCRYPTION_PASSWORD",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.encryption_password); }},
      {"privacy.encryption_salt", "AUDIO_ENCRYPTION_SALT",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.encryption_salt); }},
      {"privacy.key_file", "REFLEXIO_KEY_FILE",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.encryption_key_file); }},
      {"privacy.audio_retention_hours", "AUDIO_RETENTION_HOURS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.audio_retention_hours, 0, 24 * 365 * 100); }},
      {"privacy.transcript_retention_days", "TRANSCRIPTION_RETENTION_DAYS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.transcript_retention_days, 1, 365 * 100); }},
      {"privacy.digest_retention_days", "DIGEST_RETENTION_DAYS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.digest_retention_days, 1, 365 * 100); }},
      {"privacy.retention_interval_s", "REFLEXIO_RETENTION_INTERVAL_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.retention_interval_s, 1, 86400); }},
      {"privacy.pii_mode", "REFLEXIO_PII_MODE",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (v != "audit" && v != "mask" && v != "strict") {
           return InvalidArgument(n + " must be audit, mask or strict, not '" + v + "'", "invalid_config");
         }
         return s.Str(n, v, c.pii_mode);
       }},
      {"server.host", "REFLEXIO_HOST",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.host); }},
      {"server.port", "REFLEXIO_PORT",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.port, 0, 65535); }},
      {"server.threads", "REFLEXIO_HTTP_THREADS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.http_threads, 1, 256); }},
      {"server.handler_threads", "REFLEXIO_HANDLER_THREADS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.handler_threads, 1, 256); }},
      {"server.upload_check_threads", "REFLEXIO_UPLOAD_CHECK_THREADS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.upload_check_threads, 0, 256); }},
      {"server.max_upload_bytes", "REFLEXIO_MAX_UPLOAD_BYTES",
       [](Setter& s, auto& n, auto& v, Config& c) {
         return s.Num(n, v, c.max_upload_bytes, 1024, 64.0 * (1ull << 30));
       }},
      {"server.header_timeout_s", "REFLEXIO_HEADER_TIMEOUT_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.header_timeout_s, 0.1, 3600); }},
      {"server.upload_timeout_s", "REFLEXIO_UPLOAD_TIMEOUT_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.upload_timeout_s, 1, 86400); }},
      {"storage.data_dir", "REFLEXIO_DATA_DIR",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.data_dir); }},
      {"database.url", "DATABASE_URL",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (v.rfind("postgres://", 0) != 0 && v.rfind("postgresql://", 0) != 0) {
           return InvalidArgument(n + " must be a postgres:// or postgresql:// URL", "invalid_config");
         }
         return s.Str(n, v, c.database_url);
       }},
      {"database.pool_size", "REFLEXIO_DATABASE_POOL_SIZE",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.database_pool_size, 1, 256); }},
      {"storage.min_free_disk_bytes", "REFLEXIO_MIN_FREE_DISK_BYTES",
       [](Setter& s, auto& n, auto& v, Config& c) {
         return s.Num(n, v, c.min_free_disk_bytes, 0, 1e15);
       }},
      {"storage.blob_backend", "REFLEXIO_BLOB_BACKEND",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (v != "filesystem" && v != "s3") {
           return InvalidArgument(n + " must be filesystem or s3, not '" + v + "'", "invalid_config");
         }
         return s.Str(n, v, c.blob_backend);
       }},
      {"storage.s3.endpoint", "REFLEXIO_S3_ENDPOINT",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.s3_endpoint); }},
      {"storage.s3.bucket", "REFLEXIO_S3_BUCKET",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.s3_bucket); }},
      {"storage.s3.region", "REFLEXIO_S3_REGION",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.s3_region); }},
      {"storage.s3.access_key_id", "REFLEXIO_S3_ACCESS_KEY_ID",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.s3_access_key_id); }},
      {"storage.s3.secret_access_key", "REFLEXIO_S3_SECRET_ACCESS_KEY",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.s3_secret_access_key); }},
      {"asr.engine", "REFLEXIO_ASR_ENGINE",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (!v.empty() && v != "pocketsphinx" && v != "remote" && v != "whisper") {
           return InvalidArgument(n + " must be pocketsphinx, remote or whisper, not '" + v + "'",
                                  "invalid_config");
         }
         return s.Str(n, v, c.asr_engine);
       }},
      {"asr.whisper.model_dir", "REFLEXIO_WHISPER_MODEL",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.whisper_model_dir); }},
      {"asr.whisper.languages", "REFLEXIO_WHISPER_LANGUAGES",
       [](Setter& s, auto& n, auto& v, Config& c) {
         c.whisper_languages = SplitList(v);
         if (c.whisper_languages.empty()) return InvalidArgument(n + " names no language", "invalid_config");
         return Status::Ok();
       }},
      {"asr.pocketsphinx_model_dir", "REFLEXIO_POCKETSPHINX_MODEL_DIR",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.pocketsphinx_model_dir); }},
      {"asr.remote.urls", "REFLEXIO_ASR_REMOTE_URLS",
       [](Setter& s, auto& n, auto& v, Config& c) {
         c.remote_asr.base_urls = SplitList(v);
         return Status::Ok();
       }},
      {"asr.remote.api_key", "REFLEXIO_ASR_REMOTE_API_KEY",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.remote_asr.api_key); }},
      {"asr.remote.model", "REFLEXIO_ASR_REMOTE_MODEL",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.remote_asr.model); }},
      {"asr.remote.language", "REFLEXIO_ASR_REMOTE_LANGUAGE",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.remote_asr.language); }},
      {"asr.remote.timeout_s", "REFLEXIO_ASR_REMOTE_TIMEOUT_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.remote_asr.timeout_s, 0.1, 3600); }},
      {"asr.remote.retries", "REFLEXIO_ASR_REMOTE_RETRIES",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.remote_asr.retries, 0, 20); }},
      {"asr.remote.breaker_failures", "REFLEXIO_ASR_REMOTE_BREAKER_FAILURES",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.remote_asr.breaker_failures, 1, 1000); }},
      {"asr.remote.breaker_cooldown_s", "REFLEXIO_ASR_REMOTE_BREAKER_COOLDOWN_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.remote_asr.breaker_cooldown_s, 0, 86400); }},
      {"asr.remote.fallback", "REFLEXIO_ASR_REMOTE_FALLBACK",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Bool(n, v, c.remote_asr.fallback_to_embedded); }},
      {"asr.vad", "REFLEXIO_VAD",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (v != "energy" && v != "webrtc") {
           return InvalidArgument(n + " must be energy or webrtc, not '" + v + "'", "invalid_config");
         }
         return s.Str(n, v, c.vad);
       }},
      {"jobs.worker_threads", "REFLEXIO_WORKER_THREADS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.worker_threads, 0, 256); }},
      {"jobs.lease_s", "REFLEXIO_JOB_LEASE_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.job_lease_s, 1, 86400); }},
      {"jobs.max_attempts", "REFLEXIO_JOB_MAX_ATTEMPTS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.job_max_attempts, 1, 100); }},
      {"jobs.retry_base_s", "REFLEXIO_JOB_RETRY_BASE_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.job_retry_base_s, 0, 3600); }},
      {"jobs.queue_age_degraded_s", "REFLEXIO_QUEUE_AGE_DEGRADED_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.queue_age_degraded_s, 1, 7 * 86400); }},
      {"understanding.episode_gap_s", "REFLEXIO_EPISODE_GAP_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.episode_gap_s, 1, 86400); }},
      {"understanding.llm.provider", "REFLEXIO_LLM_PROVIDER",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (v != "embedded" && v != "chat") {
           return InvalidArgument(n + " must be embedded or chat, not '" + v + "'", "invalid_config");
         }
         return s.Str(n, v, c.llm.provider);
       }},
      {"understanding.llm.base_url", "REFLEXIO_LLM_BASE_URL",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.llm.base_url); }},
      {"understanding.llm.api_key", "REFLEXIO_LLM_API_KEY",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.llm.api_key); }},
      {"understanding.llm.model", "REFLEXIO_LLM_MODEL",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.llm.model); }},
      {"understanding.llm.local", "REFLEXIO_LLM_LOCAL",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Bool(n, v, c.llm.local); }},
      {"understanding.llm.timeout_s", "REFLEXIO_LLM_TIMEOUT_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.llm.timeout_s, 0.1, 3600); }},
      {"understanding.llm.response_format", "REFLEXIO_LLM_RESPONSE_FORMAT",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (v != "json_schema" && v != "json_object" && v != "none") {
           return InvalidArgument(n + " must be json_schema, json_object or none, not '" + v + "'", "invalid_config");
         }
         return s.Str(n, v, c.llm.response_format);
       }},
      {"understanding.llm.logprobs", "REFLEXIO_LLM_LOGPROBS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Bool(n, v, c.llm.logprobs); }},
      {"understanding.llm.deepconf_threshold", "REFLEXIO_LLM_DEEPCONF_THRESHOLD",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.llm.deepconf_threshold, 0, 100); }},
      {"understanding.llm.breaker_failures", "REFLEXIO_LLM_BREAKER_FAILURES",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.llm.breaker_failures, 1, 1000); }},
      {"understanding.llm.breaker_cooldown_s", "REFLEXIO_LLM_BREAKER_COOLDOWN_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.llm.breaker_cooldown_s, 0, 86400); }},
      {"understanding.letta.api_url", "LETTA_API_URL",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.letta.api_url); }},
      {"understanding.letta.api_key", "LETTA_API_KEY",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.letta.api_key); }},
      {"digest.timezone", "REFLEXIO_TIMEZONE",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (!IsKnownTimeZone(v)) {
           return InvalidArgument(n + ": unknown time zone '" + v + "' (use an IANA name such as Europe/Berlin)",
                                  "invalid_config");
         }
         return s.Str(n, v, c.timezone);
       }},
      {"digest.time", "REFLEXIO_DIGEST_TIME",
       [](Setter& s, auto& n, auto& v, Config& c) {
         if (Status ok = CheckClockTime(v); !ok.ok()) return InvalidArgument(n + ": " + ok.message(), "invalid_config");
         return s.Str(n, v, c.digest_time);
       }},
      {"telegram.bot_token", "TELEGRAM_BOT_TOKEN",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.telegram.bot_token); }},
      {"telegram.chat_id", "TELEGRAM_CHAT_ID",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.telegram.chat_id); }},
      {"telegram.api_url", "TELEGRAM_API_URL",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.telegram.api_url); }},
      {"telegram.timeout_s", "REFLEXIO_TELEGRAM_TIMEOUT_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.telegram.timeout_s, 0.1, 600); }},
      {"telegram.retry_base_s", "REFLEXIO_TELEGRAM_RETRY_BASE_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.telegram.retry_base_s, 0.01, 86400); }},
      {"telegram.max_attempts", "REFLEXIO_TELEGRAM_MAX_ATTEMPTS",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.telegram.max_attempts, 1, 1000); }},
      {"jobs.scheduler_interval_s", "REFLEXIO_SCHEDULER_INTERVAL_S",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Num(n, v, c.scheduler_interval_s, 0.1, 86400); }},
      {"log.level", "REFLEXIO_LOG_LEVEL",
       [](Setter& s, auto& n, auto& v, Config& c) { return s.Str(n, v, c.log_level); }},
  };
  return settings;
}

std::optional<std::string> TomlValueAsString(const toml::table& root, const std::string& key) {
  auto node = root.at_path(key);
  if (!node) return std::nullopt;
  if (auto s = node.value<std::string>()) return *s;
  if (auto i = node.value<int64_t>()) return std::to_string(*i);
  if (auto d = node.value<double>()) {
    std::ostringstream out;
    out << *d;
    return out.str();
  }
  if (auto b = node.value<bool>()) return *b ? "true" : "false";
  if (auto arr = node.as_array()) {
    std::string joined;
    for (auto& el : *arr) {
      if (auto s = el.value<std::string>()) joined += (joined.empty() ? "" : ",") + *s;
    }
    return joined;
  }
  return std::nullopt;
}

}  // namespace

Result<Config> LoadConfig(const std::string& toml_path, const EnvLookup& env) {
  Config config;
  config.asr_engine.clear();  // chosen below unless a setting names it
  std::string path = toml_path;
  if (path.empty() && std::filesystem::exists("reflexio.toml")) path = "reflexio.toml";
  if (!path.empty()) {
    toml::table root;
    try {
      root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      std::ostringstream msg;
      msg << path << ":" << e.source().begin.line << ": " << e.description();
      return InvalidArgument(msg.str(), "invalid_config");
    }
    Setter setter(path);
    for (const auto& setting : Settings()) {
      if (auto value = TomlValueAsString(root, setting.toml_key)) {
        RETURN_IF_ERROR(setting.apply(setter, setting.toml_key, *value, config));
      }
    }
  }
  Setter setter("environment");
  for (const auto& setting : Settings()) {
    if (auto value = env(setting.env_name)) {
      RETURN_IF_ERROR(setting.apply(setter, setting.env_name, *value, config));
    }
  }
  if (config.llm.provider == "chat" && (config.llm.base_url.empty() || config.llm.model.empty())) {
    return InvalidArgument("REFLEXIO_LLM_PROVIDER=chat needs REFLEXIO_LLM_BASE_URL and REFLEXIO_LLM_MODEL "
                           "(any OpenAI-compatible chat-completions server)", "invalid_config");
  }
  if (config.asr_engine.empty()) config.asr_engine = config.whisper_model_dir.empty() ? "pocketsphinx" : "whisper";
  if (config.asr_engine == "whisper" && config.whisper_model_dir.empty()) {
    return InvalidArgument("REFLEXIO_ASR_ENGINE=whisper needs REFLEXIO_WHISPER_MODEL (a Whisper checkpoint directory)",
                           "invalid_config");
  }
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (config.worker_threads == 0) config.worker_threads = cores;
  if (config.upload_check_threads == 0) config.upload_check_threads = cores;
  return config;
}

}  // namespace reflexio
