#include "billing/referrals.h"

#include <nlohmann/json.hpp>

#include "crypto/api_key.h"

namespace reflexio {

using nlohmann::json;

namespace {

// Eight characters a person can read out and type: no 0/O, 1/I/L.
std::string NewReferralCode() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  std::string code;
  for (char c : RandomBase64Url(8).substr(0, 8)) code += kAlphabet[static_cast<unsigned char>(c) % kAlphabet.size()];
  return code;
}

std::string NormalizedCode(const std::string& code) {
  std::string out;
  for (char c : code) {
    if (c != '-' && c != ' ') out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return out;
}

}  // namespace

Result<std::string> ReferralProgram::CodeOf(const std::string& tenant_id) {
  Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto code = book_.EnsureReferralCode(tenant_id, NewReferralCode());
    if (code.ok() || code.status().code() != ErrorCode::kConflict) return code;
    last = code.status();  // another tenant's code, or this tenant's made a moment ago: ask again
  }
  return last;
}

Result<ReferralStatus> ReferralProgram::StatusOf(const std::string& tenant_id) {
  ReferralStatus status;
  ASSIGN_OR_RETURN(status.code, CodeOf(tenant_id));
  ASSIGN_OR_RETURN(status.counts, book_.GetReferralCounts(tenant_id));
  status.invites_required = pricing_.referrals.invites_required;
  status.bonus_minutes = pricing_.referrals.bonus_minutes;
  ASSIGN_OR_RETURN(BonusBalance bonus, ledger_.GetBonusBalance(tenant_id));
  // The referral bonus is the only grant there is, so any grant is it.
  status.bonus_applied = bonus.granted_s > 0;
  return status;
}

Result<std::string> ReferralProgram::ReferrerOf(const std::string& code) {
  ASSIGN_OR_RETURN(auto referrer, book_.ReferrerOfCode(NormalizedCode(code)));
  if (!referrer) return NotFound("no referral code " + code + "; check it with the friend who sent it", "referral_code_not_found");
  return *referrer;
}

Status ReferralProgram::Redeem(const std::string& tenant_id, const std::string& code) {
  ASSIGN_OR_RETURN(std::string referrer, ReferrerOf(code));
  if (referrer == tenant_id) {
    return Status(ErrorCode::kConflict, "own_referral_code", "that is your own code: it is for the friends you invite");
  }
  ASSIGN_OR_RETURN(double spoken, ledger_.GetSpeechTotal(tenant_id));
  if (spoken >= pricing_.referrals.qualifying_speech_minutes * 60.0) {
    return Status(ErrorCode::kConflict, "not_a_new_tenant", "referral codes are for new accounts");
  }
  ASSIGN_OR_RETURN(bool added, book_.AddRedemption({tenant_id, NormalizedCode(code), referrer, clock_.Now(), std::nullopt}));
  if (!added) return Status(ErrorCode::kConflict, "already_redeemed", "this account has redeemed a referral code already");
  return audit_.AppendAudit({tenant_id, "", {}, "tenant", "referral_redeemed", json{{"code", NormalizedCode(code)}}.dump()});
}

Status ReferralProgram::OnSpeechCharged(const std::string& tenant_id) {
  ASSIGN_OR_RETURN(auto redemption, book_.GetRedemption(tenant_id));
  if (!redemption || redemption->counted_at) return Status::Ok();
  ASSIGN_OR_RETURN(double spoken, ledger_.GetSpeechTotal(tenant_id));
  if (spoken < pricing_.referrals.qualifying_speech_minutes * 60.0) return Status::Ok();
  ASSIGN_OR_RETURN(bool counted_now, book_.CountRedemption(tenant_id));
  if (!counted_now) return Status::Ok();
  // Read after this count committed: of counts made at the same moment, the last one sees all.
  ASSIGN_OR_RETURN(ReferralCounts counts, book_.GetReferralCounts(redemption->referrer_id));
  if (counts.counted < pricing_.referrals.invites_required) return Status::Ok();
  double seconds = pricing_.referrals.bonus_minutes * 60.0;
  ASSIGN_OR_RETURN(bool granted, ledger_.GrantBonus({redemption->referrer_id, kReferralBonusReason, seconds, {}}));
  if (!granted) return Status::Ok();
  return audit_.AppendAudit({redemption->referrer_id, "", {}, "system", "referral_bonus",
                             json{{"bonus_minutes", pricing_.referrals.bonus_minutes},
                                  {"invites_counted", counts.counted}}.dump()});
}

}  // namespace reflexio
