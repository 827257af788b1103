// SpeechMeter: the daily allowance of speech — VAD speech, not file length — per tenant and
// local day (the day in the person's time zone on which the server received the recording).
//
// Transcribed recordings are charged (storage/billing_ledger.h) when a worker finishes them and,
// in case a process stopped in between, again before any figure is read: charging is
// idempotent. A recording that crosses the allowance while being processed is finished whole;
// its excess is drawn from bonus minutes, then counted as over. A new upload is admitted while
// the day's speech is below the plan's allowance plus the bonus left, and refused at or over it
// with 402 quota_exceeded. Premium is unlimited while its subscription entitles (entitlement.h).
// With enforcement off (a personal server, REFLEXIO_BILLING=off) speech is still charged and
// reported, and nothing is limited.
//
// Thread-safe: it holds no state of its own beyond references to thread-safe parts.
#pragma once

#include <optional>
#include <string>

#include "billing/entitlement.h"
#include "billing/pricing.h"
#include "billing/referrals.h"
#include "core/metrics.h"
#include "core/status.h"
#include "core/time.h"
#include "storage/billing_ledger.h"
#include "storage/privacy_ledger.h"

namespace reflexio {

// A tenant's day as GET /v1/billing/usage shows it.
struct SpeechUsage {
  std::string day;        // YYYY-MM-DD, local
  std::string time_zone;  // IANA name
  Entitlement entitlement;
  bool enforced = true;
  double used_s = 0;
  std::optional<double> allowance_s;  // the plan's; nullopt: unlimited
  std::optional<double> limit_s;      // allowance + the bonus available today; nullopt: unlimited
  double bonus_left_s = 0;
  double over_s = 0;
  TimePoint resets_at{};  // the next local midnight
};

// Seconds as minutes rounded to hundredths: how usage and the 402's details show speech.
double RoundedMinutes(double seconds);

class SpeechMeter {
 public:
  struct Options {
    bool enforce = true;
    std::string default_time_zone = "UTC";  // for tenants that set none
  };
  // `referrals` (may be null) hears of every tenant whose speech was charged.
  SpeechMeter(BillingLedger& ledger, PrivacyLedger& settings, const Pricing& pricing, Options options,
              const Clock& clock, Metrics& metrics, ReferralProgram* referrals = nullptr)
      : ledger_(ledger), settings_(settings), pricing_(pricing), options_(std::move(options)), clock_(clock),
        metrics_(metrics), referrals_(referrals) {}

  // Charges the tenant's transcribed recordings not charged yet.
  Status ChargeFinished(const std::string& tenant_id);
  Result<SpeechUsage> Usage(const std::string& tenant_id);
  // Ok while the tenant may upload; otherwise 402 quota_exceeded with used, limit and resets_at.
  Status AdmitUpload(const std::string& tenant_id);

 private:
  Result<std::string> TimeZoneOf(const std::string& tenant_id);
  std::optional<double> AllowanceOf(const Entitlement& entitlement) const;

  BillingLedger& ledger_;
  PrivacyLedger& settings_;
  const Pricing& pricing_;
  const Options options_;
  const Clock& clock_;
  Metrics& metrics_;
  ReferralProgram* const referrals_;
};

}  // namespace reflexio
