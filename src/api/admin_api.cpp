// /v1/admin/…: the operator's view across tenants — counts only, never a tenant's data.
#include <nlohmann/json.hpp>

#include "api/json_views.h"
#include "api/resources.h"

namespace reflexio {

using nlohmann::json;

void AdminApi::Register(Router& router) {
  router.Add("GET", "/v1/admin/billing/stats",
             "Conversion figures over a window (from, to; default the last 30 days); operator key",
             [this](ServerRequest& r) { return BillingStats(r); }, Access::kOperator);
}

Result<ServerResponse> AdminApi::BillingStats(ServerRequest& request) {
  TimePoint now = deps_.clock->Now();
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(request));
  TimePoint to = range.to.value_or(now);
  TimePoint from = range.from.value_or(AddSeconds(to, -30 * 86400.0));
  if (!(from < to)) return InvalidArgument("from must be before to", "invalid_range");
  ASSIGN_OR_RETURN(ConversionStats stats, deps_.stores.billing.GetConversionStats(from, to, now));
  json answer = {{"from", FormatRfc3339(from)}, {"to", FormatRfc3339(to)}};
  for (const auto& [figure, value] : stats.Named()) answer[figure] = value;
  auto rate = [](int64_t part, int64_t whole) { return whole > 0 ? json(static_cast<double>(part) / whole) : json(nullptr); };
  answer["conversion_rate"] = rate(stats.converted, stats.tenants_created);
  answer["referral_activation_rate"] = rate(stats.referrals_counted, stats.referrals_redeemed);
  return ServerResponse::Json(200, answer);
}

}  // namespace reflexio
