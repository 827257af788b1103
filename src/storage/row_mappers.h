// Row mappers: a record from a result row, written once for both backends. Each mapper reads the
// columns its backend selected with the matching column list (kSegmentColumns and the lists in
// the backend files), in that order, starting at `first`.
#pragma once

#include "model/billing.h"
#include "model/digest.h"
#include "model/episode.h"
#include "model/insight.h"
#include "model/recording.h"
#include "model/tenant.h"
#include "model/transcript.h"
#include "storage/row_reader.h"

namespace reflexio {

// seq, start_s, end_s, captured_at, text, words_json, engine, language, index_terms, quality,
// quality_reasons
Segment ReadSegment(const ColumnReader& row, int first = 0);
// tenant_id, id, status, error, content_type, original_bytes, body_sha256, idempotency_key,
// captured_at, received_at, updated_at, duration_s, speech_s, source_path, audio_path, engine, language
Recording ReadRecording(const ColumnReader& row);
// tenant_id, id, started_at, ended_at, state, segments, closed_at, enriched_at
Episode ReadEpisode(const ColumnReader& row);
// tenant_id, id, scope, episode_id, kind, state, dedup_key, at, due_date, body, updated_at
Insight ReadInsight(const ColumnReader& row);
// tenant_id, date, status, inputs_hash, error, updated_at[, content_json, markdown, pdf]
Digest ReadDigest(const ColumnReader& row, bool with_contents);
// Five sources of three columns each (rows, total, last change), in DigestInputs' order.
DigestInputs ReadDigestInputs(const ColumnReader& row);
// tenant_id, date, origin, state, chat_id, messages, steps_done, message_ids, attempts,
// next_attempt_at, lease_until, last_error, created_at, updated_at, with_document
DigestDelivery ReadDelivery(const ColumnReader& row);
// tenant_id, plan_id, status, stripe_customer, stripe_subscription, current_period_end,
// cancel_at_period_end, grace_until, synced_at, updated_at
Subscription ReadSubscription(const ColumnReader& row);
// tenant_id, recording_id, day, speech_s, allowance_s, bonus_s, over_s, charged_at
SpeechCharge ReadSpeechCharge(const ColumnReader& row);
// tenant_id, code, referrer_id, redeemed_at, counted_at
ReferralRedemption ReadRedemption(const ColumnReader& row);
// tenant_id, id, prefix, created_at, revoked_at
ApiKeyRecord ReadApiKey(const ColumnReader& row);
// tenant_id, id, device, created_at, last_seen_at, expires_at
BrowserSession ReadBrowserSession(const ColumnReader& row);

}  // namespace reflexio
