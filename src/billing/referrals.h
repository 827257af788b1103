// ReferralProgram: invite friends, earn speech minutes (pricing.json's referral terms, by
// default: 3 invites counted, +100 minutes).
//
// Each tenant has one code, made when first asked for. A new tenant redeems one code — not its
// own, only while it is new (it has spoken less than the qualifying minutes) — at sign-up or
// after. The redemption counts for the referrer once the new tenant has recorded the qualifying
// minutes of speech (so empty sign-ups earn nothing); at the required count the referrer is
// granted the bonus, exactly once (BillingLedger::GrantBonus keys it by reason), however many
// redemptions are counted at the same moment. Grants and redemptions go to the audit log.
//
// Errors of Redeem: kNotFound (referral_code_not_found), kConflict (own_referral_code,
// already_redeemed, not_a_new_tenant). Thread-safe.
#pragma once

#include <string>

#include "billing/pricing.h"
#include "core/status.h"
#include "core/time.h"
#include "storage/billing_ledger.h"
#include "storage/privacy_ledger.h"
#include "storage/referral_book.h"

namespace reflexio {

// What GET /v1/referrals shows a referrer.
struct ReferralStatus {
  std::string code;
  ReferralCounts counts;
  int invites_required = 0;
  int bonus_minutes = 0;
  bool bonus_applied = false;
};

class ReferralProgram {
 public:
  ReferralProgram(ReferralBook& book, BillingLedger& ledger, PrivacyLedger& audit, const Pricing& pricing,
                  const Clock& clock)
      : book_(book), ledger_(ledger), audit_(audit), pricing_(pricing), clock_(clock) {}

  Result<std::string> CodeOf(const std::string& tenant_id);
  Result<ReferralStatus> StatusOf(const std::string& tenant_id);
  // The referrer of a valid code, for checking a code before anything is stored.
  Result<std::string> ReferrerOf(const std::string& code);
  Status Redeem(const std::string& tenant_id, const std::string& code);
  // After speech of the tenant was charged: counts its redemption once it qualifies, and grants
  // the referrer's bonus when that makes the required count.
  Status OnSpeechCharged(const std::string& tenant_id);

 private:
  ReferralBook& book_;
  BillingLedger& ledger_;
  PrivacyLedger& audit_;
  const Pricing& pricing_;
  const Clock& clock_;
};

inline constexpr const char* kReferralBonusReason = "referral_bonus";

}  // namespace reflexio
