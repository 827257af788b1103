// Metrics: the process's Prometheus registry and the families Reflexio reports.
//
// One Metrics object per process, created at start-up and passed by reference to the parts that
// report. prometheus-cpp families and metrics are thread-safe. Label values are bounded
// (route patterns, not raw paths; stage names; engine names) so series stay few.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace reflexio {

class Metrics {
 public:
  Metrics();

  void ObserveRequest(const std::string& route, const std::string& method, int status, double seconds);
  void CountUpload(uint64_t bytes);
  void CountAudio(double audio_seconds, double speech_seconds);
  void ObserveAsrRealTimeFactor(const std::string& engine, double rtf);
  void CountJobFailure(const std::string& stage);
  void CountJobRetry();
  void CountJobDead();
  void CountLeaseExpiry();
  void CountJobCompleted();
  void SetQueueDepth(const std::string& state, double depth);
  void SetOldestQueuedAge(double seconds);
  void CountRetentionDeleted(const std::string& kind, double count);  // kind: audio | recording | blob
  void CountPiiFinding(const std::string& kind, const std::string& mode);
  // outcome: sent | retry | rate_limited | failed | skipped
  void CountDigestDelivery(const std::string& outcome);
  void SetDigestDeliveryBacklog(double pending, double failed_last_day);
  void SetDiskBytes(double free_bytes, double min_free_bytes);
  // Speech charged to a plan's tenants: within the day's allowance, drawn from bonus, over it.
  void CountChargedSpeech(const std::string& plan, double within_s, double bonus_s, double over_s);
  void CountQuotaRefusal(const std::string& plan);
  // The operator's conversion figures (storage: GetConversionStats) over the last `window`.
  void SetBillingFigure(const std::string& figure, const std::string& window, double value);

  // Text exposition format 0.0.4.
  std::string Serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_seconds_;
  prometheus::Counter& uploads_;
  prometheus::Counter& upload_bytes_;
  prometheus::Counter& audio_seconds_;
  prometheus::Counter& speech_seconds_;
  prometheus::Family<prometheus::Histogram>& asr_rtf_;
  prometheus::Family<prometheus::Counter>& job_failures_;
  prometheus::Counter& job_retries_;
  prometheus::Counter& jobs_dead_;
  prometheus::Counter& lease_expiries_;
  prometheus::Counter& jobs_completed_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Gauge& oldest_queued_age_;
  prometheus::Family<prometheus::Counter>& retention_deleted_;
  prometheus::Family<prometheus::Counter>& pii_findings_;
  prometheus::Family<prometheus::Counter>& digest_deliveries_;
  prometheus::Family<prometheus::Gauge>& digest_delivery_backlog_;
  prometheus::Family<prometheus::Gauge>& disk_bytes_;
  prometheus::Family<prometheus::Counter>& charged_speech_seconds_;
  prometheus::Family<prometheus::Counter>& quota_refusals_;
  prometheus::Family<prometheus::Gauge>& billing_figures_;
};

}  // namespace reflexio
