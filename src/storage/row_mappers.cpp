#include "storage/row_mappers.h"

#include "core/check.h"
#include "storage/codecs.h"

namespace reflexio {

Segment ReadSegment(const ColumnReader& row, int first) {
  Segment seg;
  seg.seq = static_cast<int>(row.Int(first));
  seg.start_s = row.Double(first + 1);
  seg.end_s = row.Double(first + 2);
  seg.captured_at = row.Time(first + 3);
  seg.text = row.Text(first + 4);
  seg.words = WordsFromJson(row.Text(first + 5));
  seg.engine = row.Text(first + 6);
  seg.language = row.Text(first + 7);
  seg.index_terms = row.Text(first + 8);
  seg.quality = row.Text(first + 9);
  seg.quality_reasons = SplitReasons(row.Text(first + 10));
  return seg;
}

Recording ReadRecording(const ColumnReader& row) {
  Recording r;
  r.tenant_id = row.Text(0);
  r.id = row.Text(1);
  r.status = ParseRecordingStatus(row.Text(2));
  r.error = row.Text(3);
  r.content_type = row.Text(4);
  r.original_bytes = row.Int(5);
  r.body_sha256 = row.Text(6);
  r.idempotency_key = row.OptionalText(7);
  r.captured_at = row.Time(8);
  r.received_at = row.Time(9);
  r.updated_at = row.Time(10);
  r.duration_s = row.OptionalDouble(11);
  r.speech_s = row.OptionalDouble(12);
  r.source_path = row.Text(13);
  r.audio_path = row.Text(14);
  r.engine = row.Text(15);
  r.language = row.Text(16);
  return r;
}

Episode ReadEpisode(const ColumnReader& row) {
  Episode e;
  e.tenant_id = row.Text(0);
  e.id = row.Text(1);
  e.started_at = row.Time(2);
  e.ended_at = row.Time(3);
  e.state = row.Text(4) == "closed" ? EpisodeState::kClosed : EpisodeState::kOpen;
  e.segments = row.Int(5);
  e.closed_at = row.OptionalTime(6);
  e.enriched_at = row.OptionalTime(7);
  return e;
}

Insight ReadInsight(const ColumnReader& row) {
  Insight i;
  i.tenant_id = row.Text(0);
  i.id = row.Text(1);
  // Rows are written only through this layer, from these enums.
  auto scope = ParseInsightScope(row.Text(2));
  auto kind = ParseInsightKind(row.Text(4));
  auto state = ParseInsightState(row.Text(5));
  REFLEXIO_CHECK(scope && kind && state, "insight " + i.id + " holds a scope, kind or state this version does not know");
  i.scope = *scope;
  i.episode_id = row.Text(3);
  i.kind = *kind;
  i.state = *state;
  i.dedup_key = row.Text(6);
  i.at = row.Time(7);
  i.due_date = row.OptionalText(8);
  i.body = row.Text(9);
  i.updated_at = row.Time(10);
  return i;
}

DigestInputs ReadDigestInputs(const ColumnReader& row) {
  DigestInputs inputs;
  int column = 0;
  for (DigestInputs::Source* source : {&inputs.recordings, &inputs.episode_insights, &inputs.actions, &inputs.memory,
                                       &inputs.episodes}) {
    source->rows = row.Int(column);
    source->total = row.Int(column + 1);
    source->last_change = row.OptionalTime(column + 2);
    column += 3;
  }
  return inputs;
}

Digest ReadDigest(const ColumnReader& row, bool with_contents) {
  Digest d;
  d.tenant_id = row.Text(0);
  d.date = row.Text(1);
  auto status = ParseDigestStatus(row.Text(2));
  REFLEXIO_CHECK(status, "the digest of " + d.date + " holds a status this version does not know");
  d.status = *status;
  d.inputs_hash = row.Text(3);
  d.error = row.Text(4);
  d.updated_at = row.Time(5);
  if (with_contents) {
    d.content_json = row.Text(6);
    d.markdown = row.Text(7);
    d.pdf = row.Text(8);
  }
  return d;
}

DigestDelivery ReadDelivery(const ColumnReader& row) {
  DigestDelivery d;
  d.tenant_id = row.Text(0);
  d.date = row.Text(1);
  auto origin = ParseDeliveryOrigin(row.Text(2));
  auto state = ParseDeliveryState(row.Text(3));
  REFLEXIO_CHECK(origin && state, "the delivery of " + d.date + " holds an origin or state this version does not know");
  d.origin = *origin;
  d.state = *state;
  d.chat_id = row.Text(4);
  d.messages = StringsFromJson(row.Text(5));
  d.steps_done = static_cast<int>(row.Int(6));
  d.message_ids = StringsFromJson(row.Text(7));
  d.attempts = static_cast<int>(row.Int(8));
  d.next_attempt_at = row.Time(9);
  d.lease_until = row.OptionalTime(10);
  d.last_error = row.Text(11);
  d.created_at = row.Time(12);
  d.updated_at = row.Time(13);
  d.with_document = row.Bool(14);
  return d;
}

Subscription ReadSubscription(const ColumnReader& row) {
  Subscription s;
  s.tenant_id = row.Text(0);
  s.plan_id = row.Text(1);
  s.status = row.Text(2);
  s.stripe_customer = row.Text(3);
  s.stripe_subscription = row.Text(4);
  s.current_period_end = row.OptionalTime(5);
  s.cancel_at_period_end = row.Bool(6);
  s.grace_until = row.OptionalTime(7);
  s.synced_at = row.Time(8);
  s.updated_at = row.Time(9);
  return s;
}

SpeechCharge ReadSpeechCharge(const ColumnReader& row) {
  SpeechCharge c;
  c.tenant_id = row.Text(0);
  c.recording_id = row.Text(1);
  c.day = row.Text(2);
  c.speech_s = row.Double(3);
  c.allowance_s = row.OptionalDouble(4);
  c.bonus_s = row.Double(5);
  c.over_s = row.Double(6);
  c.charged_at = row.Time(7);
  return c;
}

ReferralRedemption ReadRedemption(const ColumnReader& row) {
  return {row.Text(0), row.Text(1), row.Text(2), row.Time(3), row.OptionalTime(4)};
}

ApiKeyRecord ReadApiKey(const ColumnReader& row) {
  return {row.Text(0), row.Text(1), row.Text(2), row.Time(3), row.OptionalTime(4)};
}

BrowserSession ReadBrowserSession(const ColumnReader& row) {
  return {row.Text(0), row.Text(1), row.Text(2), row.Time(3), row.Time(4), row.Time(5)};
}

}  // namespace reflexio
