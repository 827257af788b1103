#include "billing/entitlement.h"

namespace reflexio {

Entitlement EntitlementAt(const std::optional<Subscription>& subscription, const Pricing& pricing, TimePoint at) {
  Entitlement free{&pricing.FreePlan(), "free", std::nullopt};
  // No subscription, or only a Stripe customer made for a Checkout not yet paid.
  if (!subscription || subscription->status.empty()) return free;
  const Subscription& s = *subscription;
  const Plan* paid = pricing.Find(s.plan_id);
  // A plan the pricing no longer lists keeps what was paid for: the most generous paid plan.
  if (paid == nullptr || paid->is_free()) {
    paid = nullptr;
    for (const Plan& plan : pricing.plans) {
      if (!plan.is_free() && (paid == nullptr || !plan.daily_speech_minutes)) paid = &plan;
    }
    if (paid == nullptr) return free;
  }
  auto lapsed = [&] { return Entitlement{free.plan, "lapsed", std::nullopt}; };
  if (s.status == "active" || s.status == "trialing") {
    if (s.current_period_end && at >= *s.current_period_end) return lapsed();
    return {paid, s.cancel_at_period_end ? "canceling" : "active", s.current_period_end};
  }
  if (s.status == "past_due") {
    if (s.grace_until && at < *s.grace_until) return {paid, "grace", s.grace_until};
    return lapsed();
  }
  // canceled; or unpaid, incomplete, incomplete_expired, paused: nothing paid applies now.
  return {free.plan, s.status == "canceled" ? "canceled" : "inactive", std::nullopt};
}

}  // namespace reflexio
