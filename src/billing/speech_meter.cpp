#include "billing/speech_meter.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/local_time.h"

namespace reflexio {

namespace {

// Recordings are charged to the day they were received on; one still uncharged after a week
// (a queue stalled that long) no longer touches any day a quota is asked about.
constexpr double kChargeWindowS = 7 * 86400;
constexpr int kChargeBatch = 100;

std::string MinutesText(double seconds) {
  std::ostringstream text;
  text << RoundedMinutes(seconds);
  return text.str();
}

}  // namespace

double RoundedMinutes(double seconds) { return std::round(seconds / 60 * 100) / 100; }

Result<std::string> SpeechMeter::TimeZoneOf(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(TenantSettings settings, settings_.GetTenantSettings(tenant_id));
  return settings.timezone.value_or(options_.default_time_zone);
}

std::optional<double> SpeechMeter::AllowanceOf(const Entitlement& entitlement) const {
  if (!options_.enforce || !entitlement.plan->daily_speech_minutes) return std::nullopt;
  return *entitlement.plan->daily_speech_minutes * 60;
}

Status SpeechMeter::ChargeFinished(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(std::string zone, TimeZoneOf(tenant_id));
  ASSIGN_OR_RETURN(auto subscription, ledger_.GetSubscription(tenant_id));
  TimePoint since = AddSeconds(clock_.Now(), -kChargeWindowS);
  while (true) {
    ASSIGN_OR_RETURN(auto recordings, ledger_.ListUnchargedRecordings(tenant_id, since, kChargeBatch));
    for (const Recording& r : recordings) {
      // The plan that applied when the recording arrived decides its allowance.
      Entitlement entitlement = EntitlementAt(subscription, pricing_, r.received_at);
      ASSIGN_OR_RETURN(std::string day, LocalDate(r.received_at, zone));
      ASSIGN_OR_RETURN(ChargeOutcome outcome,
                       ledger_.ChargeSpeech({tenant_id, r.id, day, r.speech_s.value_or(0), AllowanceOf(entitlement),
                                             0, 0, {}}));
      if (!outcome.charged_now) continue;  // another process charged it a moment ago
      const SpeechCharge& c = outcome.charge;
      metrics_.CountChargedSpeech(entitlement.plan->id, c.speech_s - c.bonus_s - c.over_s, c.bonus_s, c.over_s);
    }
    if (static_cast<int>(recordings.size()) < kChargeBatch) break;
  }
  // Every pass, not only one that charged: a count a stopped process missed is made up here.
  if (referrals_ != nullptr) return referrals_->OnSpeechCharged(tenant_id);
  return Status::Ok();
}

Result<SpeechUsage> SpeechMeter::Usage(const std::string& tenant_id) {
  RETURN_IF_ERROR(ChargeFinished(tenant_id));
  SpeechUsage usage;
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(usage.time_zone, TimeZoneOf(tenant_id));
  ASSIGN_OR_RETURN(usage.day, LocalDate(now, usage.time_zone));
  ASSIGN_OR_RETURN(LocalDayBounds bounds, LocalDay(usage.day, usage.time_zone));
  usage.resets_at = bounds.end;
  ASSIGN_OR_RETURN(auto subscription, ledger_.GetSubscription(tenant_id));
  usage.entitlement = EntitlementAt(subscription, pricing_, now);
  usage.enforced = options_.enforce;
  ASSIGN_OR_RETURN(SpeechDay day, ledger_.GetSpeechDay(tenant_id, usage.day));
  ASSIGN_OR_RETURN(BonusBalance bonus, ledger_.GetBonusBalance(tenant_id));
  usage.used_s = day.speech_s;
  usage.over_s = day.over_s;
  usage.bonus_left_s = bonus.left_s();
  usage.allowance_s = AllowanceOf(usage.entitlement);
  // Bonus drawn today was part of what today allowed, so it stays inside today's limit.
  if (usage.allowance_s) usage.limit_s = *usage.allowance_s + day.bonus_s + usage.bonus_left_s;
  return usage;
}

Status SpeechMeter::AdmitUpload(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(SpeechUsage usage, Usage(tenant_id));
  if (!usage.limit_s || usage.used_s < *usage.limit_s) return Status::Ok();
  const std::string& plan = usage.entitlement.plan->id;
  metrics_.CountQuotaRefusal(plan);
  std::string resets_at = FormatRfc3339(usage.resets_at);
  return Status(ErrorCode::kPaymentRequired, "quota_exceeded",
                "today's " + MinutesText(*usage.limit_s) + " minutes of speech on the " + plan +
                    " plan are used; recording resumes at local midnight (" + resets_at +
                    "), or upgrade with POST /v1/billing/checkout")
      .WithDetails({{"plan", plan},
                    {"used_minutes", RoundedMinutes(usage.used_s)},
                    {"limit_minutes", RoundedMinutes(*usage.limit_s)},
                    {"resets_at", resets_at}});
}

}  // namespace reflexio
