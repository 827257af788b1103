// The records of billing: a tenant's subscription as Stripe last told us, the speech each
// recording was charged with, and bonus minutes granted. None holds anything a person said.
// Plain values; copy freely across threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace reflexio {

// A tenant's paid subscription, reconciled from Stripe's events. `status` is Stripe's word
// (active, trialing, past_due, canceled, unpaid, incomplete, …); what it entitles the tenant to
// at a given moment is billing/entitlement.h's to say, not this record's.
struct Subscription {
  std::string tenant_id;
  std::string plan_id;  // a paid plan of pricing.json
  std::string status;
  std::string stripe_customer;      // cus_…
  std::string stripe_subscription;  // sub_…
  std::optional<TimePoint> current_period_end;
  bool cancel_at_period_end = false;
  std::optional<TimePoint> grace_until;  // while past_due: premium lasts until then
  // When this state was read from Stripe: a read older than the stored one changes nothing, so
  // webhooks handled at once or out of order leave the newest.
  TimePoint synced_at{};
  TimePoint updated_at{};
};

// The speech of one transcribed recording counted against the local day it was received on.
// What went beyond the day's allowance was drawn from bonus minutes while they lasted; the rest
// is `over_s`. The charge of a recording is made once and never changes.
struct SpeechCharge {
  std::string tenant_id;
  std::string recording_id;
  std::string day;  // YYYY-MM-DD in the tenant's zone
  double speech_s = 0;
  std::optional<double> allowance_s;  // the day's plan allowance when charged; nullopt: unlimited
  double bonus_s = 0;
  double over_s = 0;
  TimePoint charged_at{};
};

// A local day's charges added up.
struct SpeechDay {
  double speech_s = 0;
  double bonus_s = 0;
  double over_s = 0;
};

// A Stripe event as recorded once handled: its id is recorded once, so a replay changes nothing.
struct StripeEventRecord {
  std::string tenant_id;
  std::string id;    // evt_…
  std::string type;  // e.g. invoice.paid
  TimePoint created{};  // Stripe's
};

// Bonus seconds granted to a tenant (a referral reward); `reason` names why and is granted once.
struct BonusGrant {
  std::string tenant_id;
  std::string reason;  // e.g. referral_bonus
  double seconds = 0;
  TimePoint granted_at{};
};

struct BonusBalance {
  double granted_s = 0;
  double drawn_s = 0;
  double left_s() const { return granted_s > drawn_s ? granted_s - drawn_s : 0; }
};

// A new tenant's use of another's referral code. It belongs to the tenant who redeemed it (each
// redeems at most one code) and counts for the referrer once that tenant has spoken enough.
struct ReferralRedemption {
  std::string tenant_id;  // who redeemed it
  std::string code;
  std::string referrer_id;
  TimePoint redeemed_at{};
  std::optional<TimePoint> counted_at;
};

struct ReferralCounts {
  int64_t redeemed = 0;
  int64_t counted = 0;
};

// The operator's figures over a window [from, to): from recorded rows, never estimates.
struct ConversionStats {
  int64_t tenants_created = 0;    // in the window
  int64_t converted = 0;          // of those, tenants that completed a Checkout (by now)
  int64_t premium_started = 0;    // tenants whose first completed Checkout fell in the window
  int64_t paying_now = 0;         // subscriptions active, or past due within grace, at `now`
  int64_t referrals_redeemed = 0;  // redemptions made in the window
  int64_t referrals_counted = 0;   // of those, counted (the new tenant spoke enough) by now
  int64_t referral_bonuses = 0;    // bonuses granted in the window

  // Each figure by the name the API and the metrics give it.
  std::vector<std::pair<std::string, int64_t>> Named() const {
    return {{"tenants_created", tenants_created},       {"converted", converted},
            {"premium_started", premium_started},       {"paying_now", paying_now},
            {"referrals_redeemed", referrals_redeemed}, {"referrals_counted", referrals_counted},
            {"referral_bonuses", referral_bonuses}};
  }
};

}  // namespace reflexio
