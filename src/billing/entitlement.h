// What a tenant may use at a given moment: its plan, read from the subscription as last
// reconciled from Stripe and the plans of pricing.json. Checked at use, so premium ends when its
// paid period (or its grace after a failed payment) ends even if no webhook says so. Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "billing/pricing.h"
#include "core/time.h"
#include "model/billing.h"

namespace reflexio {

struct Entitlement {
  const Plan* plan = nullptr;  // never null: the free plan when nothing paid applies
  // free | active | canceling (ends at the period's end) | grace (payment failed, not yet
  // lapsed) | lapsed (the period or grace ended unpaid) | canceled | inactive (any other
  // Stripe status: unpaid, incomplete, paused)
  std::string state;
  std::optional<TimePoint> premium_until;  // when premium ends unless Stripe renews it
};

Entitlement EntitlementAt(const std::optional<Subscription>& subscription, const Pricing& pricing, TimePoint at);

}  // namespace reflexio
