#include "core/config.h"

#include "core/local_time.h"
#include "core/strings.h"

#include <algorithm>
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

// A setting turns its text into one Config member, or says what is wrong with the text ("must be
// …, not '…'"); LoadConfig puts the source and the setting's name in front.
using Apply = std::function<std::string(const std::string& value, Config& config)>;

// One row drives both the TOML key and the environment variable.
struct Setting {
  const char* toml_key;  // "section.key"
  const char* env_name;
  Apply apply;
};

// The member a setting writes: a field of Config, or a field of one of its sections.
template <typename T>
using Member = std::function<T&(Config&)>;

template <typename T>
Member<T> At(T Config::*field) {
  return [field](Config& c) -> T& { return c.*field; };
}
template <typename Section, typename T>
Member<T> At(Section Config::*section, T Section::*field) {
  return [section, field](Config& c) -> T& { return (c.*section).*field; };
}

std::string Quoted(const std::string& value) { return "'" + value + "'"; }

Setting Text(const char* key, const char* env, Member<std::string> member) {
  return {key, env, [member](const std::string& v, Config& c) {
            member(c) = v;
            return std::string();
          }};
}

// One of `choices`; with `empty_chooses`, an empty value too (the loader then chooses).
Setting OneOf(const char* key, const char* env, Member<std::string> member, std::vector<std::string> choices,
              bool empty_chooses = false) {
  return {key, env, [member, choices, empty_chooses](const std::string& v, Config& c) {
            if (std::find(choices.begin(), choices.end(), v) == choices.end() && !(empty_chooses && v.empty())) {
              std::string listed;
              for (size_t i = 0; i < choices.size(); ++i) {
                listed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
              }
              return "must be " + listed + ", not " + Quoted(v);
            }
            member(c) = v;
            return std::string();
          }};
}

// Any text `check` accepts (it answers what is wrong, or "").
Setting Checked(const char* key, const char* env, Member<std::string> member,
                std::function<std::string(const std::string&)> check) {
  return {key, env, [member, check](const std::string& v, Config& c) {
            std::string problem = check(v);
            if (problem.empty()) member(c) = v;
            return problem;
          }};
}

template <typename Number>
Setting Range(const char* key, const char* env, Member<Number> member, double min, double max) {
  return {key, env, [member, min, max](const std::string& v, Config& c) {
            char* end = nullptr;
            double parsed = std::strtod(v.c_str(), &end);
            if (v.empty() || end == nullptr || *end != '\0' || !(parsed >= min && parsed <= max)) {
              std::ostringstream problem;
              problem << "must be a number from " << min << " to " << max << ", not " << Quoted(v);
              return problem.str();
            }
            member(c) = static_cast<Number>(parsed);
            return std::string();
          }};
}

Setting Switch(const char* key, const char* env, Member<bool> member) {
  return {key, env, [member](const std::string& v, Config& c) {
            if (v == "1" || v == "true" || v == "yes") {
              member(c) = true;
            } else if (v == "0" || v == "false" || v == "no") {
              member(c) = false;
            } else {
              return "must be true or false, not " + Quoted(v);
            }
            return std::string();
          }};
}

// Comma-separated (a TOML array arrives joined by commas); with `at_least_one`, never empty.
Setting List(const char* key, const char* env, Member<std::vector<std::string>> member, bool at_least_one) {
  return {key, env, [member, at_least_one](const std::string& v, Config& c) {
            std::vector<std::string> items = SplitList(v);
            if (at_least_one && items.empty()) return std::string("names nothing");
            member(c) = std::move(items);
            return std::string();
          }};
}

std::string PostgresUrl(const std::string& v) {
  if (v.rfind("postgres://", 0) == 0 || v.rfind("postgresql://", 0) == 0) return "";
  return "must be a postgres:// or postgresql:// URL";
}

std::string TimeZoneName(const std::string& v) {
  if (IsKnownTimeZone(v)) return "";
  return "must be an IANA time zone such as Europe/Berlin, not " + Quoted(v);
}

std::string ClockTimeOfDay(const std::string& v) {
  Status ok = CheckClockTime(v);
  return ok.ok() ? "" : ok.message();
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      OneOf("server.environment", "REFLEXIO_ENV", At(&Config::environment), {"development", "production"}),
      Text("server.host", "REFLEXIO_HOST", At(&Config::host)),
      Range("server.port", "REFLEXIO_PORT", At(&Config::port), 0, 65535),
      Text("server.address_file", "REFLEXIO_ADDRESS_FILE", At(&Config::address_file)),
      Range("server.threads", "REFLEXIO_HTTP_THREADS", At(&Config::http_threads), 1, 256),
      Range("server.handler_threads", "REFLEXIO_HANDLER_THREADS", At(&Config::handler_threads), 1, 256),
      Range("server.upload_check_threads", "REFLEXIO_UPLOAD_CHECK_THREADS", At(&Config::upload_check_threads), 0, 256),
      Range("server.max_upload_bytes", "REFLEXIO_MAX_UPLOAD_BYTES", At(&Config::max_upload_bytes), 1024,
            64.0 * (1ull << 30)),
      Range("server.max_json_body_bytes", "REFLEXIO_MAX_JSON_BODY_BYTES", At(&Config::max_json_body_bytes), 1024,
            64.0 * (1 << 20)),
      Range("server.header_timeout_s", "REFLEXIO_HEADER_TIMEOUT_S", At(&Config::header_timeout_s), 0.1, 3600),
      Range("server.upload_timeout_s", "REFLEXIO_UPLOAD_TIMEOUT_S", At(&Config::upload_timeout_s), 1, 86400),
      Range("server.idle_timeout_s", "REFLEXIO_IDLE_TIMEOUT_S", At(&Config::idle_timeout_s), 0.1, 86400),
      Range("stream.max_message_bytes", "REFLEXIO_STREAM_MAX_MESSAGE_BYTES", At(&Config::stream_max_message_bytes),
            1024, 16.0 * (1 << 20)),
      Range("stream.idle_timeout_s", "REFLEXIO_STREAM_IDLE_TIMEOUT_S", At(&Config::stream_idle_timeout_s), 0.1, 86400),
      Range("stream.pong_timeout_s", "REFLEXIO_STREAM_PONG_TIMEOUT_S", At(&Config::stream_pong_timeout_s), 0.1, 86400),
      Range("stream.burst_s", "REFLEXIO_STREAM_BURST_S", At(&Config::stream_burst_s), 0, 86400),
      Range("stream.threads", "REFLEXIO_STREAM_THREADS", At(&Config::stream_threads), 0, 256),
      Range("stream.live_transcribers", "REFLEXIO_STREAM_LIVE_TRANSCRIBERS", At(&Config::stream_live_transcribers),
            0, 64),
      Text("storage.data_dir", "REFLEXIO_DATA_DIR", At(&Config::data_dir)),
      Range("storage.min_free_disk_bytes", "REFLEXIO_MIN_FREE_DISK_BYTES", At(&Config::min_free_disk_bytes), 0, 1e15),
      OneOf("storage.blob_backend", "REFLEXIO_BLOB_BACKEND", At(&Config::blob_backend), {"filesystem", "s3"}),
      Text("storage.s3.endpoint", "REFLEXIO_S3_ENDPOINT", At(&Config::s3_endpoint)),
      Text("storage.s3.bucket", "REFLEXIO_S3_BUCKET", At(&Config::s3_bucket)),
      Text("storage.s3.region", "REFLEXIO_S3_REGION", At(&Config::s3_region)),
      Text("storage.s3.access_key_id", "REFLEXIO_S3_ACCESS_KEY_ID", At(&Config::s3_access_key_id)),
      Text("storage.s3.secret_access_key", "REFLEXIO_S3_SECRET_ACCESS_KEY", At(&Config::s3_secret_access_key)),
      Range("storage.opus_bitrate", "REFLEXIO_OPUS_BITRATE", At(&Config::opus_bitrate), 6000, 128000),
      Checked("database.url", "DATABASE_URL", At(&Config::database_url), PostgresUrl),
      Range("database.pool_size", "REFLEXIO_DATABASE_POOL_SIZE", At(&Config::database_pool_size), 1, 256),
      Text("privacy.encryption_password", "AUDIO_ENCRYPTION_PASSWORD", At(&Config::encryption_password)),
      Text("privacy.encryption_salt", "AUDIO_ENCRYPTION_SALT", At(&Config::encryption_salt)),
      Text("privacy.key_file", "REFLEXIO_KEY_FILE", At(&Config::encryption_key_file)),
      Range("privacy.audio_retention_hours", "AUDIO_RETENTION_HOURS", At(&Config::audio_retention_hours), 0,
            24 * 365 * 100),
      Range("privacy.transcript_retention_days", "TRANSCRIPTION_RETENTION_DAYS", At(&Config::transcript_retention_days),
            1, 365 * 100),
      Range("privacy.digest_retention_days", "DIGEST_RETENTION_DAYS", At(&Config::digest_retention_days), 1, 365 * 100),
      Range("privacy.retention_interval_s", "REFLEXIO_RETENTION_INTERVAL_S", At(&Config::retention_interval_s), 1,
            86400),
      OneOf("privacy.pii_mode", "REFLEXIO_PII_MODE", At(&Config::pii_mode), {"audit", "mask", "strict"}),
      OneOf("asr.engine", "REFLEXIO_ASR_ENGINE", At(&Config::asr_engine), {"pocketsphinx", "remote", "whisper"},
            /*empty_chooses=*/true),
      Text("asr.whisper.model_dir", "REFLEXIO_WHISPER_MODEL", At(&Config::whisper_model_dir)),
      List("asr.whisper.languages", "REFLEXIO_WHISPER_LANGUAGES", At(&Config::whisper_languages), true),
      Text("asr.pocketsphinx_model_dir", "REFLEXIO_POCKETSPHINX_MODEL_DIR", At(&Config::pocketsphinx_model_dir)),
      List("asr.remote.urls", "REFLEXIO_ASR_REMOTE_URLS", At(&Config::remote_asr, &RemoteAsrConfig::base_urls), false),
      Text("asr.remote.api_key", "REFLEXIO_ASR_REMOTE_API_KEY", At(&Config::remote_asr, &RemoteAsrConfig::api_key)),
      Text("asr.remote.model", "REFLEXIO_ASR_REMOTE_MODEL", At(&Config::remote_asr, &RemoteAsrConfig::model)),
      Text("asr.remote.language", "REFLEXIO_ASR_REMOTE_LANGUAGE", At(&Config::remote_asr, &RemoteAsrConfig::language)),
      Range("asr.remote.timeout_s", "REFLEXIO_ASR_REMOTE_TIMEOUT_S",
            At(&Config::remote_asr, &RemoteAsrConfig::timeout_s), 0.1, 3600),
      Range("asr.remote.retries", "REFLEXIO_ASR_REMOTE_RETRIES", At(&Config::remote_asr, &RemoteAsrConfig::retries),
            0, 20),
      Range("asr.remote.breaker_failures", "REFLEXIO_ASR_REMOTE_BREAKER_FAILURES",
            At(&Config::remote_asr, &RemoteAsrConfig::breaker_failures), 1, 1000),
      Range("asr.remote.breaker_cooldown_s", "REFLEXIO_ASR_REMOTE_BREAKER_COOLDOWN_S",
            At(&Config::remote_asr, &RemoteAsrConfig::breaker_cooldown_s), 0, 86400),
      Switch("asr.remote.fallback", "REFLEXIO_ASR_REMOTE_FALLBACK",
             At(&Config::remote_asr, &RemoteAsrConfig::fallback_to_embedded)),
      OneOf("asr.vad", "REFLEXIO_VAD", At(&Config::vad), {"energy", "webrtc"}),
      Range("jobs.worker_threads", "REFLEXIO_WORKER_THREADS", At(&Config::worker_threads), 0, 256),
      Range("jobs.lease_s", "REFLEXIO_JOB_LEASE_S", At(&Config::job_lease_s), 1, 86400),
      Range("jobs.max_attempts", "REFLEXIO_JOB_MAX_ATTEMPTS", At(&Config::job_max_attempts), 1, 100),
      Range("jobs.retry_base_s", "REFLEXIO_JOB_RETRY_BASE_S", At(&Config::job_retry_base_s), 0, 3600),
      Range("jobs.queue_age_degraded_s", "REFLEXIO_QUEUE_AGE_DEGRADED_S", At(&Config::queue_age_degraded_s), 1,
            7 * 86400),
      Range("jobs.scheduler_interval_s", "REFLEXIO_SCHEDULER_INTERVAL_S", At(&Config::scheduler_interval_s), 0.1,
            86400),
      Range("understanding.episode_gap_s", "REFLEXIO_EPISODE_GAP_S", At(&Config::episode_gap_s), 1, 86400),
      OneOf("understanding.llm.provider", "REFLEXIO_LLM_PROVIDER", At(&Config::llm, &LlmConfig::provider),
            {"embedded", "chat"}),
      Text("understanding.llm.base_url", "REFLEXIO_LLM_BASE_URL", At(&Config::llm, &LlmConfig::base_url)),
      Text("understanding.llm.api_key", "REFLEXIO_LLM_API_KEY", At(&Config::llm, &LlmConfig::api_key)),
      Text("understanding.llm.model", "REFLEXIO_LLM_MODEL", At(&Config::llm, &LlmConfig::model)),
      Switch("understanding.llm.local", "REFLEXIO_LLM_LOCAL", At(&Config::llm, &LlmConfig::local)),
      Range("understanding.llm.timeout_s", "REFLEXIO_LLM_TIMEOUT_S", At(&Config::llm, &LlmConfig::timeout_s), 0.1, 3600),
      OneOf("understanding.llm.response_format", "REFLEXIO_LLM_RESPONSE_FORMAT",
            At(&Config::llm, &LlmConfig::response_format), {"json_schema", "json_object", "none"}),
      Switch("understanding.llm.logprobs", "REFLEXIO_LLM_LOGPROBS", At(&Config::llm, &LlmConfig::logprobs)),
      Range("understanding.llm.deepconf_threshold", "REFLEXIO_LLM_DEEPCONF_THRESHOLD",
            At(&Config::llm, &LlmConfig::deepconf_threshold), 0, 100),
      Range("understanding.llm.breaker_failures", "REFLEXIO_LLM_BREAKER_FAILURES",
            At(&Config::llm, &LlmConfig::breaker_failures), 1, 1000),
      Range("understanding.llm.breaker_cooldown_s", "REFLEXIO_LLM_BREAKER_COOLDOWN_S",
            At(&Config::llm, &LlmConfig::breaker_cooldown_s), 0, 86400),
      Text("understanding.letta.api_url", "LETTA_API_URL", At(&Config::letta, &LettaConfig::api_url)),
      Text("understanding.letta.api_key", "LETTA_API_KEY", At(&Config::letta, &LettaConfig::api_key)),
      Checked("digest.timezone", "REFLEXIO_TIMEZONE", At(&Config::timezone), TimeZoneName),
      Checked("digest.time", "REFLEXIO_DIGEST_TIME", At(&Config::digest_time), ClockTimeOfDay),
      Text("telegram.bot_token", "TELEGRAM_BOT_TOKEN", At(&Config::telegram, &TelegramConfig::bot_token)),
      Text("telegram.chat_id", "TELEGRAM_CHAT_ID", At(&Config::telegram, &TelegramConfig::chat_id)),
      Text("telegram.api_url", "TELEGRAM_API_URL", At(&Config::telegram, &TelegramConfig::api_url)),
      Range("telegram.timeout_s", "REFLEXIO_TELEGRAM_TIMEOUT_S", At(&Config::telegram, &TelegramConfig::timeout_s),
            0.1, 600),
      Range("telegram.retry_base_s", "REFLEXIO_TELEGRAM_RETRY_BASE_S",
            At(&Config::telegram, &TelegramConfig::retry_base_s), 0.01, 86400),
      Range("telegram.max_attempts", "REFLEXIO_TELEGRAM_MAX_ATTEMPTS",
            At(&Config::telegram, &TelegramConfig::max_attempts), 1, 1000),
      Text("stripe.secret_key", "STRIPE_SECRET_KEY", At(&Config::stripe, &StripeConfig::secret_key)),
      Text("stripe.webhook_secret", "STRIPE_WEBHOOK_SECRET", At(&Config::stripe, &StripeConfig::webhook_secret)),
      Text("stripe.api_url", "STRIPE_API_URL", At(&Config::stripe, &StripeConfig::api_url)),
      Range("stripe.timeout_s", "REFLEXIO_STRIPE_TIMEOUT_S", At(&Config::stripe, &StripeConfig::timeout_s), 0.1, 600),
      Range("billing.grace_hours", "REFLEXIO_BILLING_GRACE_HOURS", At(&Config::stripe, &StripeConfig::grace_hours), 0,
            24 * 90),
      Range("server.session_days", "REFLEXIO_SESSION_DAYS", At(&Config::session_days), 0.01, 365),
      Text("server.public_url", "REFLEXIO_PUBLIC_URL", At(&Config::stripe, &StripeConfig::public_url)),
      Text("billing.pricing_file", "REFLEXIO_PRICING_FILE", At(&Config::pricing_file)),
      Switch("billing.quota", "REFLEXIO_QUOTA", At(&Config::quota)),
      OneOf("billing.signup", "REFLEXIO_SIGNUP", At(&Config::signup), {"closed", "open"}),
      OneOf("log.level", "REFLEXIO_LOG_LEVEL", At(&Config::log_level), {"debug", "info", "warn", "warning", "error"}),
      OneOf("log.format", "REFLEXIO_LOG_FORMAT", At(&Config::log_format), {"text", "json"}),
  };
  return settings;
}

// Applies every setting that `lookup` has a value for under its `name` (the TOML key or the
// environment variable); `source` says where the values came from in errors.
Status ApplySettings(const std::string& source, const char* Setting::*name,
                     const std::function<std::optional<std::string>(const std::string&)>& lookup, Config& config) {
  for (const Setting& setting : Settings()) {
    std::optional<std::string> value = lookup(setting.*name);
    if (!value) continue;
    std::string problem = setting.apply(*value, config);
    if (!problem.empty()) {
      return InvalidArgument(source + ": " + setting.*name + " " + problem, "invalid_config");
    }
  }
  return Status::Ok();
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

std::vector<SettingName> KnownSettings() {
  std::vector<SettingName> names;
  for (const Setting& setting : Settings()) names.push_back({setting.toml_key, setting.env_name});
  return names;
}

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
    RETURN_IF_ERROR(ApplySettings(
        path, &Setting::toml_key, [&root](const std::string& key) { return TomlValueAsString(root, key); }, config));
  }
  RETURN_IF_ERROR(ApplySettings("environment", &Setting::env_name, env, config));
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
