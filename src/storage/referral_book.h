// ReferralBook: each tenant's referral code and the redemptions of codes by new tenants.
//
// A tenant has at most one code; a tenant redeems at most one code, which is another tenant's.
// A redemption is stored under the tenant who redeemed it, so reading who referred whom, and
// counting a referrer's redemptions, spans tenants: those two reads (ReferrerOfCode,
// GetReferralCounts) are the only ones that do, and return no row of another tenant — an id or
// two counts. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "model/billing.h"

namespace reflexio {

class ReferralBook {
 public:
  virtual ~ReferralBook() = default;

  // The tenant's code; `candidate` becomes it when the tenant has none. kConflict
  // (referral_code_taken) when another tenant holds `candidate`: try another.
  virtual Result<std::string> EnsureReferralCode(const std::string& tenant_id, const std::string& candidate) = 0;
  // The tenant whose code this is, if any.
  virtual Result<std::optional<std::string>> ReferrerOfCode(const std::string& code) = 0;
  // False when `redemption.tenant_id` has redeemed a code before.
  virtual Result<bool> AddRedemption(const ReferralRedemption& redemption) = 0;
  virtual Result<std::optional<ReferralRedemption>> GetRedemption(const std::string& tenant_id) = 0;
  // Marks the tenant's redemption counted; true only for the call that did.
  virtual Result<bool> CountRedemption(const std::string& tenant_id) = 0;
  virtual Result<ReferralCounts> GetReferralCounts(const std::string& referrer_id) = 0;
};

}  // namespace reflexio
