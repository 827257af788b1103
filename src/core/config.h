// Configuration: every setting with a safe default, overridden by reflexio.toml, then by the
// environment (names in .env.example), then by command-line flags applied by the caller.
//
// LoadConfig reads the environment through an injectable lookup so tests need not touch the
// process environment. A Config is a plain value; share it read-only between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace reflexio {

struct RemoteAsrConfig {
  std::vector<std::string> base_urls;  // e.g. http://127.0.0.1:8080 (…/v1/audio/transcriptions is appended)
  std::string api_key;                 // sent as Bearer; never logged
  std::string model = "whisper-1";
  std::string language;                // empty: let the server detect
  double timeout_s = 120;
  int retries = 2;                     // extra attempts, each on the next endpoint
  int breaker_failures = 3;            // consecutive failures that open an endpoint's circuit
  double breaker_cooldown_s = 30;
  bool fallback_to_embedded = true;
};

// Understanding by a chat model: any OpenAI-compatible chat-completions API. With provider
// "embedded" nothing leaves the machine; with "chat" the model is asked first and the embedded
// rules take over when it fails.
struct LlmConfig {
  std::string provider = "embedded";  // embedded | chat
  std::string base_url;               // e.g. https://api.openai.com/v1 (…/chat/completions is appended)
  std::string api_key;                // sent as Bearer; never logged
  std::string model;
  bool local = false;                 // the model runs on this machine: opted-out tenants may use it
  double timeout_s = 60;
  std::string response_format = "json_schema";  // json_schema | json_object | none
  bool logprobs = true;
  double deepconf_threshold = 2.5;    // lowest-group confidence under which a critic reviews
  int breaker_failures = 3;
  double breaker_cooldown_s = 300;
};

// Optional mirror of core memory in a Letta server (its REST API, memory blocks).
struct LettaConfig {
  std::string api_url;  // e.g. https://api.letta.com; empty: no sync
  std::string api_key;  // never logged
};

// Billing through Stripe (billing/stripe_client.h): the secret key authenticates calls, the
// webhook secret verifies the events Stripe sends; both empty: billing is off.
struct StripeConfig {
  std::string secret_key;      // sk_live_… / sk_test_…; never logged
  std::string webhook_secret;  // whsec_…, or several separated by commas while ours rotates; never logged
  std::string api_url = "https://api.stripe.com";
  double timeout_s = 30;
  // After a failed renewal, premium lasts this long before it lapses (Stripe retries the card).
  double grace_hours = 72;
  // Where Checkout and the billing portal send the person back to (REFLEXIO_PUBLIC_URL + path)
  // when the request names no URL.
  std::string public_url;
};

// Delivery of the daily digest through the Telegram Bot API.
struct TelegramConfig {
  std::string bot_token;  // empty: digests are not sent; never logged
  std::string chat_id;    // the default chat; only used when the server has one tenant
  std::string api_url = "https://api.telegram.org";
  double timeout_s = 30;
  double retry_base_s = 30;  // backoff after a failed attempt: base · 2^(attempt-1), at most an hour
  int max_attempts = 8;
};

struct Config {
  // "development" (the embedded default) or "production", where every safety gate must hold.
  std::string environment = "development";
  // server
  std::string host = "127.0.0.1";
  int port = 8000;
  int http_threads = 4;          // I/O threads: they only read and write sockets
  int handler_threads = 8;       // run handlers (database work), so the I/O threads never wait
  int upload_check_threads = 0;  // store and check uploads (decoding); 0: one per core
  uint64_t max_upload_bytes = 512ull << 20;
  uint64_t max_json_body_bytes = 1ull << 20;
  double header_timeout_s = 30;
  double upload_timeout_s = 900;
  double idle_timeout_s = 60;
  // streaming ingest (GET /v1/stream, docs/streaming.md)
  uint64_t stream_max_message_bytes = 64 * 1024;  // a bigger message closes the stream with 1009
  double stream_idle_timeout_s = 30;   // a stream that sends nothing this long is closed (4408)
  double stream_pong_timeout_s = 30;   // a client that answers no ping this long is closed (4429)
  double stream_burst_s = 300;         // audio a stream may send ahead of real time before it is slowed
  int stream_threads = 0;              // cut and store streamed speech; 0: one per core
  int stream_live_transcribers = 2;    // PocketSphinx decoders for partial transcripts (~100 MB each); 0: none
  // Where a long-running command writes the URL it listens on once it listens (empty: nowhere),
  // so that a health check finds a port chosen with --port 0.
  std::string address_file;
  // How long a browser stays signed in to the web app after signing in.
  double session_days = 30;
  // storage
  std::string data_dir = "./data";
  std::string database_url;  // postgres://… selects PostgreSQL; empty: SQLite in data_dir
  int database_pool_size = 8;
  uint64_t min_free_disk_bytes = 256ull << 20;
  std::string blob_backend = "filesystem";  // filesystem (under data_dir) | s3
  std::string s3_endpoint;
  std::string s3_bucket;
  std::string s3_region = "us-east-1";
  std::string s3_access_key_id;
  std::string s3_secret_access_key;  // never logged
  // encryption at rest: the master key comes from a password and salt (Argon2id), or from a key
  // file; with neither, a development server generates <data_dir>/master.key on first start.
  std::string encryption_password;  // never logged
  std::string encryption_salt;
  std::string encryption_key_file;
  // retention defaults; each tenant may override them in its privacy settings
  int audio_retention_hours = 24;        // 0: delete the audio as soon as it is transcribed
  int transcript_retention_days = 90;
  int digest_retention_days = 365;
  double retention_interval_s = 3600;
  std::string pii_mode = "mask";         // audit | mask | strict, for text that leaves the server
  // processing
  // pocketsphinx | remote | whisper; when not set (or set empty): whisper if a Whisper model is
  // configured, else pocketsphinx
  std::string asr_engine = "pocketsphinx";
  std::string whisper_model_dir;  // a Hugging Face Whisper checkpoint directory
  std::vector<std::string> whisper_languages{"ru", "en"};  // what language detection may choose
  std::string pocketsphinx_model_dir = "/usr/share/pocketsphinx/model/en-us";
  RemoteAsrConfig remote_asr;
  std::string vad = "energy";  // energy | webrtc
  int worker_threads = 0;      // 0: one per core
  double job_lease_s = 30;
  double scheduler_interval_s = 60;
  int job_max_attempts = 5;
  double job_retry_base_s = 2;
  double queue_age_degraded_s = 900;
  double episode_gap_s = 90;  // a pause longer than this (capture time) ends a conversation
  LlmConfig llm;
  LettaConfig letta;
  // the daily digest: built at digest_time on the local clock of each tenant's zone (their own
  // settings win over these defaults)
  std::string timezone = "UTC";
  std::string digest_time = "22:50";
  TelegramConfig telegram;
  StripeConfig stripe;
  std::string pricing_file;  // pricing.json with the plans (billing/pricing.h); empty: the built-in one
  // Whether the plans' daily speech allowance is enforced (402 at upload): on for a hosted
  // service, off for a personal server, where speech is still counted and shown.
  bool quota = false;
  // "open": anyone may create an account (POST /v1/signup); "closed" (a personal server): only
  // the operator makes tenants (reflexio keys create).
  std::string signup = "closed";
  int opus_bitrate = 16000;
  // logging
  std::string log_level = "info";
  std::string log_format = "text";  // text: for a terminal; json: one object per line, for collectors
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnvironment();

// Every setting LoadConfig reads: its reflexio.toml key ("section.key") and environment variable.
struct SettingName {
  std::string toml_key;
  std::string env_name;
};
std::vector<SettingName> KnownSettings();

// toml_path: a file to read; empty means "reflexio.toml in the working directory, if present".
Result<Config> LoadConfig(const std::string& toml_path, const EnvLookup& env);

}  // namespace reflexio
