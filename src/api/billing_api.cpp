// /v1/billing/…: the plans offered (billing/pricing.h).
#include "api/resources.h"

namespace reflexio {

void BillingApi::Register(Router& router) {
  if (deps_.pricing == nullptr) return;
  router.Add("GET", "/v1/billing/plans", "The plans: price, interval, minutes of speech a day; the referral terms",
             [this](ServerRequest&) { return ServerResponse::Json(200, PricingJson(*deps_.pricing)); }, false);
}

}  // namespace reflexio
