// TelegramOutbox: gets each digest to Telegram once, through the digest_deliveries table.
//
// Enqueue() renders a built digest's messages (digest/telegram_message.h) into a delivery for a
// chat: the tenant's telegram_chat_id setting, else TELEGRAM_CHAT_ID — the server's default,
// which only serves a server with a single tenant, so nobody's digest reaches another person's
// chat. With no token or no chat the delivery is stored as skipped, saying why. What would leave
// passes the outbound guard first (see Guard below).
//
// A sender claims a delivery (a lease of lease_s) and takes its steps in order: the messages,
// then (unless the guard kept it home) the day's PDF as a document. After each step Telegram confirms, the step and its
// message_id are written down, so a retry, a restart or another process resumes after the last
// confirmed step. A failure (refused connection, timeout, 5xx) is retried after retry_base_s ·
// 2^(attempt-1), at most retry_max_s, until max_attempts, then the delivery is failed; a 429
// waits exactly the retry_after Telegram gave and does not count as an attempt; a refusal (wrong
// token, unknown chat) fails at once. The Bot API has no idempotency key: a process that dies
// between Telegram's answer and writing it down sends that one step again when its lease runs
// out — the only way a part can arrive twice.
//
// Failures reach the log (without the token), the metrics and /health (Database::
// GetDeliveryStats). Thread-safe when the database and the HTTP client are.
#pragma once

#include <string>

#include "core/config.h"
#include "core/http_client.h"
#include "core/metrics.h"
#include "core/time.h"
#include "digest/telegram_client.h"
#include "privacy/outbound_guard.h"
#include "storage/database.h"

namespace reflexio {

struct TelegramOutboxOptions {
  TelegramOptions telegram;
  std::string default_chat_id;  // TELEGRAM_CHAT_ID
  double retry_base_s = 30;
  double retry_max_s = 3600;
  int max_attempts = 8;
  double lease_s = 70;  // TelegramOutboxOptionsFor: 2 · timeout + 10 s
};

// From TELEGRAM_* and REFLEXIO_TELEGRAM_* (core/config.h).
TelegramOutboxOptions TelegramOutboxOptionsFor(const Config& config);

struct DeliveryRoundReport {
  int64_t sent = 0;
  int64_t retrying = 0;  // will be tried again (a failure or a rate limit)
  int64_t failed = 0;    // given up on
};

class TelegramOutbox {
 public:
  // `guard` (may be null in tests of the transport alone) sees every message before it is stored.
  TelegramOutbox(const Stores& stores, HttpClient& http, TelegramOutboxOptions options, OutboundGuard* guard,
                 Metrics* metrics = nullptr, const Clock& clock = SystemClock::Instance())
      : stores_(stores), client_(http, options.telegram), options_(std::move(options)), guard_(guard), metrics_(metrics),
        clock_(clock) {}

  // Puts a ready digest in the outbox; origin "schedule" or "command". Returns the delivery as
  // stored. An existing one of the same day and origin is kept (AlreadyExists) unless `replace`.
  Result<DigestDelivery> Enqueue(const Digest& digest, DeliveryOrigin origin, bool replace);

  // Sends what is due, for every tenant (the scheduler's round).
  Result<DeliveryRoundReport> DeliverDue();

  // Sends one delivery now, whether or not it is due. Returns it as it was left: sent, pending
  // (next_attempt_at says when it will be tried again) or failed.
  Result<DigestDelivery> DeliverNow(const std::string& tenant_id, const std::string& date, DeliveryOrigin origin);

 private:
  // The outbound guard (privacy/outbound_guard.h) on what would leave: an opted-out tenant or a
  // strict PII refusal skips the delivery; masked PII is masked in the messages and keeps the PDF
  // (which cannot be masked) home.
  Status Guard(const Digest& digest, DigestDelivery& delivery);
  Result<std::string> ChatFor(const std::string& tenant_id, std::string& why_none);
  // Takes the remaining steps of a claimed delivery; returns it as left.
  Result<DigestDelivery> Send(DigestDelivery delivery);
  void Count(const std::string& outcome);

  Stores stores_;
  TelegramClient client_;
  TelegramOutboxOptions options_;
  OutboundGuard* guard_;
  Metrics* metrics_;
  const Clock& clock_;
};

}  // namespace reflexio
