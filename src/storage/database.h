// Database: the storage seam. Every call that touches tenant data takes the tenant id and can
// only see that tenant's rows; another tenant's object is reported as not found.
//
// Implementations are thread-safe. SqliteDatabase is the embedded default; a PostgreSQL
// backend implements the same interface. Multi-step changes that must not be half-done
// (a recording with its job; a transcript with its job's completion) are single calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace reflexio {

struct Tenant {
  std::string id;
  std::string name;
};

enum class RecordingStatus { kQueued, kProcessing, kTranscribed, kFailed };
const char* ToString(RecordingStatus status);
RecordingStatus ParseRecordingStatus(const std::string& text);  // unknown text: kQueued

struct Recording {
  std::string tenant_id;
  std::string id;
  RecordingStatus status = RecordingStatus::kQueued;
  std::string error;
  std::string content_type;
  int64_t original_bytes = 0;
  std::string body_sha256;
  std::optional<std::string> idempotency_key;
  TimePoint captured_at{};
  TimePoint received_at{};
  TimePoint updated_at{};
  std::optional<double> duration_s;
  std::optional<double> speech_s;
  std::string source_path;  // the upload as received, until processed
  std::string audio_path;   // the stored Ogg/Opus, relative to the data directory
  std::string engine;
  std::string language;
};

struct TranscriptWord {
  std::string word;
  double start_s = 0;  // seconds from the start of the recording
  double end_s = 0;
  double confidence = 0;
};

// How every backend stores a segment's quality reasons: comma-separated codes.
std::string JoinReasons(const std::vector<std::string>& reasons);
std::vector<std::string> SplitReasons(const std::string& text);

// How every backend stores a segment's words: a JSON array of [word, start, end, confidence].
std::string WordsToJson(const std::vector<TranscriptWord>& words);
std::vector<TranscriptWord> WordsFromJson(const std::string& text);  // malformed: no words

// How every backend stores a list of strings (a delivery's messages and message ids).
std::string StringsToJson(const std::vector<std::string>& strings);
std::vector<std::string> StringsFromJson(const std::string& text);  // malformed: none

struct Segment {
  int seq = 0;
  double start_s = 0;
  double end_s = 0;
  TimePoint captured_at{};
  std::string text;
  std::vector<TranscriptWord> words;
  std::string engine;
  std::string language;
  // What the full-text index holds for this segment: space-separated tokens (the blind index's
  // keyed hashes, never words). Search matches its terms against these tokens exactly.
  std::string index_terms;
  // The quality gate's verdict (text/quality_gate.h): trusted | uncertain | garbage, with reasons.
  std::string quality = "trusted";
  std::vector<std::string> quality_reasons;
  // How it was said (audio/prosody.h) as JSON; voice features are personal data, so they are
  // kept only sealed with the text (EncryptedDatabase) — a bare backend does not store them.
  std::string prosody_json;
};

struct Transcription {
  double duration_s = 0;
  double speech_s = 0;
  std::string audio_path;
  std::string engine;
  std::string language;
  std::vector<Segment> segments;
};

struct SearchHit {
  std::string recording_id;
  Segment segment;
  std::string snippet;  // matched words wrapped in <mark>…</mark>; built by whoever can read the text
  double score = 0;     // higher is better
};

struct TimeRange {
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

struct Job {
  int64_t id = 0;
  std::string tenant_id;
  std::string recording_id;
  std::string kind;
  int attempts = 0;
  int max_attempts = 0;
  std::string lease_owner;
  bool lease_expired = false;  // claimed from a worker whose lease ran out (it died or hung)
};

struct QueueStats {
  int64_t queued = 0;
  int64_t running = 0;
  int64_t dead = 0;
  double oldest_queued_age_s = 0;
};

// A tenant's data key as stored: wrapped by a master key (crypto/keys.h), never in the clear.
struct WrappedTenantKey {
  std::string tenant_id;
  std::string master_key_id;  // which master key wrapped it (a fingerprint, not the key)
  std::string wrapped;        // raw bytes
};

// A conversation: segments whose capture times follow each other with short gaps.
enum class EpisodeState { kOpen, kClosed };
struct Episode {
  std::string tenant_id;
  std::string id;
  TimePoint started_at{};  // capture time of its first word
  TimePoint ended_at{};    // capture time of the end of its last segment
  EpisodeState state = EpisodeState::kOpen;
  int64_t segments = 0;
  std::optional<TimePoint> closed_at;
  std::optional<TimePoint> enriched_at;  // when understanding last finished with it
};

// A segment of an episode, with the recording it belongs to.
struct EpisodeSegment {
  std::string recording_id;
  Segment segment;
};

// Something understanding concluded — an episode's summary, topic, person, place, action item,
// emotion or session memory (scope "episode") — or an entry of the person's core memory (scope
// "core", kinds person | place | preference | topic | commitment). What it says, its evidence,
// method and confidence are in `body` (JSON; sealed at rest by EncryptedDatabase).
struct Insight {
  std::string tenant_id;
  std::string id;
  std::string scope = "episode";  // episode | core
  std::string episode_id;         // scope episode: its episode; core: empty
  std::string kind;
  std::string state;              // actions: open | done; core memory: active | forgotten; else ""
  // Core memory: what makes two entries the same (a normalised label; EncryptedDatabase stores
  // a keyed hash of it instead). Unique per tenant, scope and kind when set.
  std::string dedup_key;
  TimePoint at{};                 // capture time of its earliest evidence
  std::optional<std::string> due_date;  // actions with a due date: YYYY-MM-DD
  std::string body;
  TimePoint updated_at{};
};

struct InsightFilter {
  std::string scope;       // empty: any
  std::string kind;        // empty: any
  std::string episode_id;  // empty: any
  std::string state;       // empty: any
  TimeRange range;         // on `at`
};

// A segment not yet in an episode (garbage ones are never listed).
struct UnassignedSegment {
  std::string recording_id;
  int seq = 0;
  TimePoint captured_at{};
  double duration_s = 0;
};

// A tenant's own privacy choices; an unset field means "the server's default" (Config).
struct TenantSettings {
  std::optional<int> audio_retention_hours;  // 0: delete the audio as soon as it is transcribed
  std::optional<int> transcript_retention_days;
  std::optional<int> digest_retention_days;
  bool opt_out_training = false;  // audio and text go only to engines marked local
  std::optional<std::string> pii_mode;  // audit | mask | strict
  std::optional<std::string> timezone;          // IANA name, e.g. Europe/Berlin
  std::optional<std::string> digest_time;       // HH:MM on the local clock
  std::optional<std::string> telegram_chat_id;  // where the digest goes
};

// What happened to a tenant's data and who did it. `detail` is JSON and never holds anything
// the person said.
struct AuditEntry {
  std::string tenant_id;
  std::string id;
  TimePoint at{};
  std::string actor;   // tenant (through an API key) | operator (a CLI command) | system (retention)
  std::string action;  // export | erase | key_rotation | admin_access | settings_change | retention
  std::string detail;
};

// A tenant's digest of one local day. `content_json`, `markdown` and `pdf` are sealed at rest by
// EncryptedDatabase; listings leave them empty.
struct Digest {
  std::string tenant_id;
  std::string date;    // YYYY-MM-DD, local to the tenant
  std::string status;  // generating | ready | failed
  std::string inputs_hash;
  std::string content_json;
  std::string markdown;
  std::string pdf;     // raw bytes
  std::string error;
  TimePoint updated_at{};
};

// A digest on its way to Telegram: the outbox row of one tenant, local date and origin
// (schedule: the evening run; command: `reflexio digest --once`). Its steps are `messages` (HTML,
// in order) and then, with_document, the day's PDF; `steps_done` counts the steps Telegram
// confirmed and `message_ids` holds what it answered, so a retry resumes after the last
// confirmed step. `messages` are sealed at rest by EncryptedDatabase.
struct DigestDelivery {
  std::string tenant_id;
  std::string date;     // YYYY-MM-DD, local to the tenant
  std::string origin;   // schedule | command
  std::string state;    // pending | sent | failed | skipped (nowhere to send it)
  std::string chat_id;  // empty when skipped
  std::vector<std::string> messages;
  bool with_document = true;  // false: the messages only (the PDF holds what may not leave)
  int steps_done = 0;
  std::vector<std::string> message_ids;
  int attempts = 0;  // failed attempts; a rate limit is not one
  TimePoint next_attempt_at{};
  std::optional<TimePoint> lease_until;  // set while a sender holds it
  std::string last_error;
  TimePoint created_at{};
  TimePoint updated_at{};
};

// Across all tenants, counts only (for /health and metrics).
struct DeliveryStats {
  int64_t pending = 0;
  int64_t failed = 0;  // given up on since the time asked about
  double oldest_pending_age_s = 0;
};

struct InsertOutcome {
  Recording recording;
  bool replayed = false;  // an earlier upload with the same Idempotency-Key was returned
};

class Database {
 public:
  virtual ~Database() = default;

  // Tenants and keys.
  virtual Result<Tenant> EnsureTenant(const std::string& name) = 0;
  virtual Result<int64_t> CountTenants() = 0;
  virtual Status AddApiKey(const std::string& tenant_id, const std::string& key_hash,
                           const std::string& display_prefix) = 0;
  virtual Result<std::optional<Tenant>> TenantForKeyHash(const std::string& key_hash) = 0;
  virtual Result<std::vector<Tenant>> ListTenants() = 0;

  // Tenant data keys. AddTenantKey stores `key` unless the tenant already has one and returns
  // the one that is stored (so two processes racing to create it agree). ReplaceTenantKey
  // rewraps: it succeeds only while the stored key is still wrapped by `expected_master_key_id`
  // (kConflict otherwise), so an interrupted rotation can simply be run again.
  virtual Result<std::optional<WrappedTenantKey>> GetTenantKey(const std::string& tenant_id) = 0;
  virtual Result<WrappedTenantKey> AddTenantKey(const WrappedTenantKey& key) = 0;
  virtual Status ReplaceTenantKey(const WrappedTenantKey& key, const std::string& expected_master_key_id) = 0;

  // Recordings. InsertRecording stores the row and its first job atomically; with an
  // Idempotency-Key already used by this tenant it returns that recording instead.
  virtual Result<InsertOutcome> InsertRecording(const Recording& recording, const std::string& job_kind,
                                                int max_attempts) = 0;
  virtual Result<std::optional<Recording>> FindByIdempotencyKey(const std::string& tenant_id,
                                                                const std::string& key) = 0;
  virtual Result<std::optional<Recording>> GetRecording(const std::string& tenant_id, const std::string& id) = 0;
  virtual Result<Page<Recording>> ListRecordings(const std::string& tenant_id, const TimeRange& range,
                                                 int limit, const std::string& cursor) = 0;
  virtual Result<std::vector<Segment>> GetSegments(const std::string& tenant_id, const std::string& recording_id) = 0;
  // `terms` are index tokens (as in Segment::index_terms); every one must occur. Hits come best
  // first with an empty snippet.
  virtual Result<Page<SearchHit>> Search(const std::string& tenant_id, const std::vector<std::string>& terms,
                                         const TimeRange& range, int limit, const std::string& cursor) = 0;

  // The job queue. Claim leases the oldest runnable job (queued and due, or running with an
  // expired lease) and marks its recording processing.
  virtual Result<std::optional<Job>> ClaimJob(const std::string& owner, double lease_s) = 0;
  virtual Status RenewLease(const Job& job, double lease_s) = 0;
  // Stores the transcript, marks the recording transcribed and the job done — only if `job`
  // still holds its lease (kConflict otherwise, and nothing is written).
  virtual Status CompleteTranscription(const Job& job, const Transcription& transcription) = 0;
  // Retries after `retry_in_s`, or — when attempts are used up — marks the job dead and the
  // recording failed with `error`.
  virtual Status FailJob(const Job& job, const std::string& error, double retry_in_s) = 0;
  // Returns every running job to the queue; only for a process that knows it is the sole worker.
  virtual Result<int64_t> ReleaseAllLeases() = 0;
  virtual Result<QueueStats> GetQueueStats() = 0;

  // Usage: totals of the recordings captured on `day` (UTC, "YYYY-MM-DD") written to
  // usage_daily for every tenant that has any; returns how many tenants were rolled up.
  // Idempotent: running it again for the same day rewrites the same totals.
  virtual Result<int64_t> RollUpDailyUsage(const std::string& day) = 0;
  struct DailyUsage {
    double speech_seconds = 0;
    int64_t uploads = 0;
  };
  virtual Result<std::optional<DailyUsage>> GetDailyUsage(const std::string& tenant_id, const std::string& day) = 0;

  // Episodes. AssignToEpisode inserts or updates `episode` and puts `segments` in it, in one
  // transaction. ListEpisodes is newest first, optionally only those overlapping `range`.
  virtual Result<std::vector<UnassignedSegment>> ListUnassignedSegments(const std::string& tenant_id, int limit) = 0;
  virtual Status AssignToEpisode(const Episode& episode, const std::vector<UnassignedSegment>& segments) = 0;
  // Open episodes quiet since `cutoff`: they ended before it in capture time, and nothing joined
  // them after it in arrival time (so a backlog of late uploads still groups).
  virtual Result<std::vector<Episode>> ListOpenEpisodesQuietSince(const std::string& tenant_id, TimePoint cutoff) = 0;
  // The capture time of the tenant's earliest recording still queued or processing, if any: its
  // segments may yet belong to an episode that looks quiet.
  virtual Result<std::optional<TimePoint>> EarliestUnfinishedCapture(const std::string& tenant_id) = 0;
  virtual Status CloseEpisode(const std::string& tenant_id, const std::string& episode_id, TimePoint closed_at) = 0;
  virtual Result<Page<Episode>> ListEpisodes(const std::string& tenant_id, const TimeRange& range, int limit,
                                             const std::string& cursor) = 0;
  virtual Result<std::optional<Episode>> GetEpisode(const std::string& tenant_id, const std::string& id) = 0;
  // An episode's segments in capture order.
  virtual Result<std::vector<EpisodeSegment>> GetEpisodeSegments(const std::string& tenant_id,
                                                                 const std::string& episode_id) = 0;

  // Understanding. Closed episodes not yet enriched, oldest first.
  virtual Result<std::vector<Episode>> ListEpisodesToEnrich(const std::string& tenant_id, int limit) = 0;
  // In one transaction: replaces the episode's insights with those of scope "episode" in
  // `insights`, stores (inserts or replaces by id) those of scope "core", and marks the episode
  // enriched at `enriched_at`.
  virtual Status StoreEnrichment(const std::string& tenant_id, const std::string& episode_id,
                                 const std::vector<Insight>& insights, TimePoint enriched_at) = 0;
  // Newest first (by `at`, then id).
  virtual Result<Page<Insight>> ListInsights(const std::string& tenant_id, const InsightFilter& filter, int limit,
                                             const std::string& cursor) = 0;
  virtual Result<std::optional<Insight>> GetInsight(const std::string& tenant_id, const std::string& id) = 0;
  virtual Result<std::optional<Insight>> FindInsightByKey(const std::string& tenant_id, const std::string& scope,
                                                          const std::string& kind, const std::string& dedup_key) = 0;
  // Inserts or replaces by id (kConflict when another entry has its dedup key).
  virtual Status PutInsight(const Insight& insight) = 0;
  virtual Status DeleteInsight(const std::string& tenant_id, const std::string& id) = 0;  // kNotFound if none

  // Digests. ClaimDigestBuild marks the day's digest generating until `lease_until` and returns
  // true — unless another build holds a lease that has not run out, then false (two builds of
  // one day never run at once; a crashed build's lease expires). StoreDigest writes the result
  // (ready or failed) and ends the lease. ListDigests is newest first, without contents, dates
  // from `from` to `to` inclusive (empty: open).
  virtual Result<std::optional<Digest>> GetDigest(const std::string& tenant_id, const std::string& date) = 0;
  virtual Result<bool> ClaimDigestBuild(const std::string& tenant_id, const std::string& date, TimePoint lease_until) = 0;
  virtual Status StoreDigest(const Digest& digest) = 0;
  virtual Result<Page<Digest>> ListDigests(const std::string& tenant_id, const std::string& from, const std::string& to,
                                           int limit, const std::string& cursor) = 0;
  virtual Status DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) = 0;

  // The digest outbox (DigestDelivery). AddDelivery inserts a delivery; when one of that tenant,
  // date and origin exists it returns false and changes nothing — unless `replace`, when it starts
  // over with the new one (not while a sender holds its lease: then false as well).
  // ClaimDeliveries leases (until `lease_until`) the tenant's pending deliveries that are due and
  // not leased, or only the one of `date` and `origin` when those are given. UpdateDelivery
  // writes a delivery's progress (state, steps, ids, attempts, next attempt, lease, error) — not
  // its messages. DeleteDigestsBefore removes the deliveries of those days too.
  virtual Result<bool> AddDelivery(const DigestDelivery& delivery, bool replace) = 0;
  virtual Result<std::optional<DigestDelivery>> GetDelivery(const std::string& tenant_id, const std::string& date,
                                                            const std::string& origin) = 0;
  virtual Result<std::vector<DigestDelivery>> ListDeliveries(const std::string& tenant_id, const std::string& date) = 0;
  virtual Result<std::vector<DigestDelivery>> ClaimDeliveries(const std::string& tenant_id, const std::string& date,
                                                              const std::string& origin, TimePoint lease_until,
                                                              int limit) = 0;
  virtual Status UpdateDelivery(const DigestDelivery& delivery) = 0;
  virtual Result<DeliveryStats> GetDeliveryStats(TimePoint failed_since) = 0;

  // Privacy controls.
  virtual Result<TenantSettings> GetTenantSettings(const std::string& tenant_id) = 0;  // all unset if none stored
  virtual Status PutTenantSettings(const std::string& tenant_id, const TenantSettings& settings) = 0;
  virtual Status AppendAudit(const AuditEntry& entry) = 0;
  virtual Result<Page<AuditEntry>> ListAudit(const std::string& tenant_id, int limit, const std::string& cursor) = 0;

  // Retention and erasure. Finished (transcribed or failed) recordings captured before `cutoff`,
  // oldest first; with `with_audio_only`, only those that still have stored audio.
  virtual Result<std::vector<Recording>> ListFinishedCapturedBefore(const std::string& tenant_id, TimePoint cutoff,
                                                                    bool with_audio_only, int limit) = 0;
  virtual Status ForgetAudio(const std::string& tenant_id, const std::string& recording_id) = 0;
  // The recording with its segments (and so their index entries) and jobs, in one transaction.
  // An episode that held any of its segments loses its insights and is enriched again from what
  // is left (or goes, when nothing is).
  virtual Status DeleteRecording(const std::string& tenant_id, const std::string& recording_id) = 0;
  // Every recording, segment, episode, insight, job, usage total and setting of the tenant, and last its data key,
  // in one transaction. The tenant, its API keys and its audit log remain.
  virtual Status EraseTenantData(const std::string& tenant_id) = 0;

  // Health: can a write transaction be started right now?
  virtual Status CheckWritable() = 0;
};

}  // namespace reflexio
