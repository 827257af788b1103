// BillingLedger: what a tenant pays for and what it used — its subscription, the speech charged
// per recording and local day, and bonus minutes. Nothing here holds what a person said, and
// these rows outlive an erasure of the tenant's data (so erasing cannot reset a quota). Every
// call names its tenant and sees only that tenant's rows. Implementations are thread-safe.
//
// ChargeSpeech is the one place bonus minutes are drawn, so it is serialised per tenant: within
// one transaction it reads the day's charges so far, and the part of this recording's speech
// beyond `allowance_s` for the day (none when unlimited) is drawn from the tenant's unspent bonus
// while it lasts, the rest counted as over. A recording is charged once: charging it again
// returns the charge already stored, unchanged.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/billing.h"
#include "model/recording.h"
#include "model/tenant.h"

namespace reflexio {

// The rule ChargeSpeech applies, for both backends: `charge` with bonus_s and over_s set, given
// the day's speech charged before it and the bonus seconds left.
SpeechCharge ApportionCharge(SpeechCharge charge, double day_speech_before_s, double bonus_left_s);

struct ChargeOutcome {
  SpeechCharge charge;
  bool charged_now = false;  // false: the recording had been charged before, and this is that charge
};

class BillingLedger {
 public:
  virtual ~BillingLedger() = default;

  virtual Result<std::optional<Subscription>> GetSubscription(const std::string& tenant_id) = 0;
  virtual Status PutSubscription(const Subscription& subscription) = 0;
  // In one transaction: records `event` (false, and nothing else changes, when its id was
  // recorded before — a replay), stores `next` unless the stored subscription was read from
  // Stripe later than it, and appends `audit` when given.
  virtual Result<bool> ApplyStripeEvent(const StripeEventRecord& event, const Subscription& next,
                                        const std::optional<AuditEntry>& audit) = 0;

  // `charge` names tenant, recording, day, speech_s and allowance_s; the stored charge is returned.
  virtual Result<ChargeOutcome> ChargeSpeech(const SpeechCharge& charge) = 0;
  virtual Result<SpeechDay> GetSpeechDay(const std::string& tenant_id, const std::string& day) = 0;
  // Every charge of the tenant's, in seconds of speech.
  virtual Result<double> GetSpeechTotal(const std::string& tenant_id) = 0;
  // Transcribed recordings received since `received_since` whose speech is not charged yet, oldest
  // first (so a crash between a transcript and its charge is repaired by the next charging pass).
  virtual Result<std::vector<Recording>> ListUnchargedRecordings(const std::string& tenant_id,
                                                                 TimePoint received_since, int limit) = 0;

  // False when the tenant already has a grant for `grant.reason`.
  virtual Result<bool> GrantBonus(const BonusGrant& grant) = 0;
  virtual Result<BonusBalance> GetBonusBalance(const std::string& tenant_id) = 0;

  // Across tenants, counts only: the operator's conversion figures.
  virtual Result<ConversionStats> GetConversionStats(TimePoint from, TimePoint to, TimePoint now) = 0;
};

}  // namespace reflexio
