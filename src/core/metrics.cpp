#include "core/metrics.h"

#include <prometheus/text_serializer.h>

namespace reflexio {

using namespace prometheus;

Metrics::Metrics()
    : registry_(std::make_shared<Registry>()),
      requests_(BuildCounter().Name("reflexio_http_requests_total").Help("HTTP requests by route, method and status").Register(*registry_)),
      request_seconds_(BuildHistogram().Name("reflexio_http_request_duration_seconds").Help("HTTP request latency by route, method and status").Register(*registry_)),
      uploads_(BuildCounter().Name("reflexio_uploads_total").Help("Recordings accepted").Register(*registry_).Add({})),
      upload_bytes_(BuildCounter().Name("reflexio_upload_bytes_total").Help("Bytes of accepted recordings").Register(*registry_).Add({})),
      audio_seconds_(BuildCounter().Name("reflexio_audio_seconds_total").Help("Seconds of audio processed").Register(*registry_).Add({})),
      speech_seconds_(BuildCounter().Name("reflexio_speech_seconds_total").Help("Seconds of detected speech processed").Register(*registry_).Add({})),
      asr_rtf_(BuildHistogram().Name("reflexio_asr_real_time_factor").Help("ASR compute seconds per second of audio, per segment").Register(*registry_)),
      job_failures_(BuildCounter().Name("reflexio_job_failures_total").Help("Failed job attempts by pipeline stage").Register(*registry_)),
      job_retries_(BuildCounter().Name("reflexio_job_retries_total").Help("Failed attempts scheduled to run again").Register(*registry_).Add({})),
      jobs_dead_(BuildCounter().Name("reflexio_jobs_dead_total").Help("Jobs that used up their attempts").Register(*registry_).Add({})),
      lease_expiries_(BuildCounter().Name("reflexio_job_lease_expiries_total").Help("Jobs reclaimed from a worker whose lease ran out").Register(*registry_).Add({})),
      jobs_completed_(BuildCounter().Name("reflexio_jobs_completed_total").Help("Jobs completed").Register(*registry_).Add({})),
      queue_depth_(BuildGauge().Name("reflexio_queue_depth").Help("Jobs by state").Register(*registry_)),
      oldest_queued_age_(BuildGauge().Name("reflexio_queue_oldest_age_seconds").Help("Age of the oldest queued job").Register(*registry_).Add({})),
      retention_deleted_(BuildCounter().Name("reflexio_retention_deleted_total")
                             .Help("What retention removed: audio of a recording, whole recordings, stored objects")
                             .Register(*registry_)),
      pii_findings_(BuildCounter().Name("reflexio_pii_findings_total")
                        .Help("PII found in text leaving the server, by kind and the mode applied")
                        .Register(*registry_)),
      digest_deliveries_(BuildCounter().Name("reflexio_digest_deliveries_total")
                             .Help("Digest deliveries to Telegram by outcome: sent, retry, rate_limited, failed, skipped")
                             .Register(*registry_)),
      digest_delivery_backlog_(BuildGauge().Name("reflexio_digest_delivery_backlog")
                                   .Help("Digest deliveries pending, and failed in the last 24 hours")
                                   .Register(*registry_)),
      disk_bytes_(BuildGauge().Name("reflexio_disk_bytes")
                      .Help("The data directory's file system: free bytes, and the free bytes below which /health is degraded")
                      .Register(*registry_)),
      charged_speech_seconds_(BuildCounter().Name("reflexio_billing_speech_seconds_total")
                                  .Help("Speech charged by plan and part: within the day's allowance, bonus, over")
                                  .Register(*registry_)),
      quota_refusals_(BuildCounter().Name("reflexio_billing_quota_refusals_total")
                          .Help("Uploads refused with 402 because the day's speech allowance was used, by plan")
                          .Register(*registry_)),
      billing_figures_(BuildGauge().Name("reflexio_billing_figures")
                           .Help("Conversion figures over a window: tenants_created, converted, premium_started, "
                                 "paying_now, referrals_redeemed, referrals_counted, referral_bonuses")
                           .Register(*registry_)) {}

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int status, double seconds) {
  Labels labels{{"route", route}, {"method", method}, {"status", std::to_string(status)}};
  requests_.Add(labels).Increment();
  request_seconds_.Add(labels, Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})
      .Observe(seconds);
}

void Metrics::CountUpload(uint64_t bytes) {
  uploads_.Increment();
  upload_bytes_.Increment(static_cast<double>(bytes));
}

void Metrics::CountAudio(double audio_seconds, double speech_seconds) {
  audio_seconds_.Increment(audio_seconds);
  speech_seconds_.Increment(speech_seconds);
}

void Metrics::ObserveAsrRealTimeFactor(const std::string& engine, double rtf) {
  asr_rtf_.Add({{"engine", engine}}, Histogram::BucketBoundaries{0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5})
      .Observe(rtf);
}

void Metrics::CountJobFailure(const std::string& stage) { job_failures_.Add({{"stage", stage}}).Increment(); }
void Metrics::CountJobRetry() { job_retries_.Increment(); }
void Metrics::CountJobDead() { jobs_dead_.Increment(); }
void Metrics::CountLeaseExpiry() { lease_expiries_.Increment(); }
void Metrics::CountJobCompleted() { jobs_completed_.Increment(); }
void Metrics::CountChargedSpeech(const std::string& plan, double within_s, double bonus_s, double over_s) {
  charged_speech_seconds_.Add({{"plan", plan}, {"part", "within"}}).Increment(within_s);
  charged_speech_seconds_.Add({{"plan", plan}, {"part", "bonus"}}).Increment(bonus_s);
  charged_speech_seconds_.Add({{"plan", plan}, {"part", "over"}}).Increment(over_s);
}
void Metrics::SetBillingFigure(const std::string& figure, const std::string& window, double value) {
  billing_figures_.Add({{"figure", figure}, {"window", window}}).Set(value);
}
void Metrics::CountQuotaRefusal(const std::string& plan) { quota_refusals_.Add({{"plan", plan}}).Increment(); }
void Metrics::CountDigestDelivery(const std::string& outcome) {
  digest_deliveries_.Add({{"outcome", outcome}}).Increment();
}
void Metrics::SetDigestDeliveryBacklog(double pending, double failed_last_day) {
  digest_delivery_backlog_.Add({{"state", "pending"}}).Set(pending);
  digest_delivery_backlog_.Add({{"state", "failed"}}).Set(failed_last_day);
}
void Metrics::CountPiiFinding(const std::string& kind, const std::string& mode) {
  pii_findings_.Add({{"kind", kind}, {"mode", mode}}).Increment();
}
void Metrics::CountRetentionDeleted(const std::string& kind, double count) {
  retention_deleted_.Add({{"kind", kind}}).Increment(count);
}
void Metrics::SetQueueDepth(const std::string& state, double depth) { queue_depth_.Add({{"state", state}}).Set(depth); }
void Metrics::SetOldestQueuedAge(double seconds) { oldest_queued_age_.Set(seconds); }
void Metrics::SetDiskBytes(double free_bytes, double min_free_bytes) {
  disk_bytes_.Add({{"state", "free"}}).Set(free_bytes);
  disk_bytes_.Add({{"state", "min_free"}}).Set(min_free_bytes);
}

std::string Metrics::Serialize() const { return TextSerializer().Serialize(registry_->Collect()); }

}  // namespace reflexio
