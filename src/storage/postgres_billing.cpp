// The PostgreSQL backend's billing ledger. Part of PostgresDatabase; split from
// postgres_database.cpp by responsibility.
#include "storage/postgres_database.h"
#include "storage/postgres_rows.h"

namespace reflexio {

using namespace pg;  // NOLINT: the backend's own helpers

namespace {

const char* kSubscriptionColumns =
    "tenant_id, plan_id, status, stripe_customer, stripe_subscription, extract(epoch from current_period_end), "
    "cancel_at_period_end, extract(epoch from grace_until), extract(epoch from synced_at), "
    "extract(epoch from updated_at)";
const char* kChargeColumns =
    "tenant_id, recording_id, day::text, speech_s, allowance_s, bonus_s, over_s, extract(epoch from charged_at)";

BonusBalance ReadBonusBalance(pqxx::dbtransaction& tx, const std::string& tenant_id) {
  auto row = Exec(tx, "SELECT (SELECT coalesce(sum(seconds), 0) FROM bonus_grants WHERE tenant_id = $1), "
                      "(SELECT coalesce(sum(bonus_s), 0) FROM speech_charges WHERE tenant_id = $1)",
                  Param(tenant_id))[0];
  return BonusBalance{Number(row[0]), Number(row[1])};
}

void WriteSubscription(pqxx::dbtransaction& tx, const Subscription& s, TimePoint now) {
  Exec(tx,
         "INSERT INTO subscriptions (tenant_id, plan_id, status, stripe_customer, stripe_subscription, "
         "current_period_end, cancel_at_period_end, grace_until, synced_at, updated_at) VALUES ($1, $2, $3, $4, "
         "$5, to_timestamp($6), $7, to_timestamp($8), to_timestamp($9), to_timestamp($10)) ON CONFLICT (tenant_id) DO "
         "UPDATE SET plan_id = $2, status = $3, stripe_customer = $4, stripe_subscription = $5, current_period_end = "
         "to_timestamp($6), cancel_at_period_end = $7, grace_until = to_timestamp($8), synced_at = "
         "to_timestamp($9), updated_at = to_timestamp($10)",
         Param(s.tenant_id), Param(s.plan_id), Param(s.status), Param(s.stripe_customer), Param(s.stripe_subscription),
         Param::Time(s.current_period_end), Param(std::string(s.cancel_at_period_end ? "true" : "false")),
         Param::Time(s.grace_until), Param(ToUnixSeconds(s.synced_at)), Param(ToUnixSeconds(now)));
}

}  // namespace

Result<std::optional<Subscription>> PostgresDatabase::GetSubscription(const std::string& tenant_id) {
  std::optional<Subscription> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kSubscriptionColumns + " FROM subscriptions WHERE tenant_id = $1",
                     Param(tenant_id));
    if (!rows.empty()) found = ReadSubscription(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Status PostgresDatabase::PutSubscription(const Subscription& s) {
  return Transact(s.tenant_id, [&](pqxx::dbtransaction& tx) {
    WriteSubscription(tx, s, clock_.Now());
    return Status::Ok();
  });
}

Result<bool> PostgresDatabase::ApplyStripeEvent(const StripeEventRecord& event, const Subscription& next,
                                                const std::optional<AuditEntry>& audit) {
  bool applied = false;
  RETURN_IF_ERROR(Transact(event.tenant_id, [&](pqxx::dbtransaction& tx) {
    TimePoint now = clock_.Now();
    auto recorded = Exec(tx, "INSERT INTO stripe_events (tenant_id, id, type, created, handled_at) VALUES ($1, $2, $3, "
                             "to_timestamp($4), to_timestamp($5)) ON CONFLICT (id) DO NOTHING",
                         Param(event.tenant_id), Param(event.id), Param(event.type), Param(ToUnixSeconds(event.created)),
                         Param(ToUnixSeconds(now)));
    if (recorded.affected_rows() == 0) return Status::Ok();
    // The row is locked so that two events of the tenant handled at once are compared in turn.
    auto stored = Exec(tx, "SELECT extract(epoch from synced_at) FROM subscriptions WHERE tenant_id = $1 FOR UPDATE",
                       Param(next.tenant_id));
    if (stored.empty() || Number(stored[0][0]) <= ToUnixSeconds(next.synced_at)) WriteSubscription(tx, next, now);
    if (audit) InsertAuditEntry(tx, *audit, now);
    applied = true;
    return Status::Ok();
  }));
  return applied;
}

Result<ChargeOutcome> PostgresDatabase::ChargeSpeech(const SpeechCharge& request) {
  ChargeOutcome outcome;
  SpeechCharge& charge = outcome.charge;
  RETURN_IF_ERROR(Transact(request.tenant_id, [&](pqxx::dbtransaction& tx) {
    // One charge at a time per tenant, so two recordings finishing together cannot both draw
    // the same bonus minutes; other tenants are not held up.
    Exec(tx, "SELECT pg_advisory_xact_lock(hashtextextended('speech_charges:' || $1, 0))", Param(request.tenant_id));
    auto existing = Exec(tx, std::string("SELECT ") + kChargeColumns +
                                 " FROM speech_charges WHERE tenant_id = $1 AND recording_id = $2",
                         Param(request.tenant_id), Param(request.recording_id));
    if (!existing.empty()) {
      charge = ReadSpeechCharge(Row(existing[0]));
      return Status::Ok();
    }
    double day_before = Number(Exec(tx, "SELECT coalesce(sum(speech_s), 0) FROM speech_charges "
                                        "WHERE tenant_id = $1 AND day = $2::date",
                                    Param(request.tenant_id), Param(request.day))[0][0]);
    charge = ApportionCharge(request, day_before, ReadBonusBalance(tx, request.tenant_id).left_s());
    charge.charged_at = clock_.Now();
    outcome.charged_now = true;
    Exec(tx,
         "INSERT INTO speech_charges (tenant_id, recording_id, day, speech_s, allowance_s, bonus_s, over_s, charged_at) "
         "VALUES ($1, $2, $3::date, $4, $5, $6, $7, to_timestamp($8))",
         Param(charge.tenant_id), Param(charge.recording_id), Param(charge.day), Param(charge.speech_s),
         Param::Optional(charge.allowance_s), Param(charge.bonus_s), Param(charge.over_s),
         Param(ToUnixSeconds(charge.charged_at)));
    return Status::Ok();
  }));
  return outcome;
}

Result<SpeechDay> PostgresDatabase::GetSpeechDay(const std::string& tenant_id, const std::string& day) {
  SpeechDay total;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto row = Exec(tx, "SELECT coalesce(sum(speech_s), 0), coalesce(sum(bonus_s), 0), coalesce(sum(over_s), 0) "
                        "FROM speech_charges WHERE tenant_id = $1 AND day = $2::date",
                    Param(tenant_id), Param(day))[0];
    total = SpeechDay{Number(row[0]), Number(row[1]), Number(row[2])};
    return Status::Ok();
  }));
  return total;
}

Result<std::vector<Recording>> PostgresDatabase::ListUnchargedRecordings(const std::string& tenant_id,
                                                                         TimePoint received_since, int limit) {
  std::vector<Recording> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kRecordingColumns +
                             " FROM recordings r WHERE r.tenant_id = $1 AND r.received_at >= to_timestamp($2) "
                             "AND r.status = 'transcribed' AND r.speech_s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                             "speech_charges c WHERE c.tenant_id = r.tenant_id AND c.recording_id = r.id) "
                             "ORDER BY r.received_at, r.id LIMIT $3",
                     Param(tenant_id), Param(ToUnixSeconds(received_since)), Param(static_cast<int64_t>(limit)));
    for (const auto& row : rows) found.push_back(ReadRecording(Row(row)));
    return Status::Ok();
  }));
  return found;
}

Result<bool> PostgresDatabase::GrantBonus(const BonusGrant& grant) {
  bool granted = false;
  RETURN_IF_ERROR(Transact(grant.tenant_id, [&](pqxx::dbtransaction& tx) {
    auto r = Exec(tx, "INSERT INTO bonus_grants (tenant_id, reason, seconds, granted_at) VALUES ($1, $2, $3, "
                      "to_timestamp($4)) ON CONFLICT (tenant_id, reason) DO NOTHING",
                  Param(grant.tenant_id), Param(grant.reason), Param(grant.seconds), Param(ToUnixSeconds(clock_.Now())));
    granted = r.affected_rows() == 1;
    return Status::Ok();
  }));
  return granted;
}

Result<BonusBalance> PostgresDatabase::GetBonusBalance(const std::string& tenant_id) {
  BonusBalance balance;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    balance = ReadBonusBalance(tx, tenant_id);
    return Status::Ok();
  }));
  return balance;
}

Result<double> PostgresDatabase::GetSpeechTotal(const std::string& tenant_id) {
  double total = 0;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    total = Number(Exec(tx, "SELECT coalesce(sum(speech_s), 0) FROM speech_charges WHERE tenant_id = $1",
                        Param(tenant_id))[0][0]);
    return Status::Ok();
  }));
  return total;
}

Result<ConversionStats> PostgresDatabase::GetConversionStats(TimePoint from, TimePoint to, TimePoint now) {
  ConversionStats stats;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    auto row = Exec(tx, "SELECT * FROM conversion_stats($1, $2, $3)", Param(ToUnixSeconds(from)),
                    Param(ToUnixSeconds(to)), Param(ToUnixSeconds(now)))[0];
    stats = ConversionStats{row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<int64_t>(), row[3].as<int64_t>(),
                            row[4].as<int64_t>(), row[5].as<int64_t>(), row[6].as<int64_t>()};
    return Status::Ok();
  }));
  return stats;
}

Result<std::string> PostgresDatabase::EnsureReferralCode(const std::string& tenant_id, const std::string& candidate) {
  std::string code;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto mine = Exec(tx, "SELECT code FROM referral_codes WHERE tenant_id = $1", Param(tenant_id));
    if (!mine.empty()) {
      code = Text(mine[0][0]);
      return Status::Ok();
    }
    auto inserted = Exec(tx, "INSERT INTO referral_codes (tenant_id, code, created_at) VALUES ($1, $2, to_timestamp($3)) "
                             "ON CONFLICT DO NOTHING",
                         Param(tenant_id), Param(candidate), Param(ToUnixSeconds(clock_.Now())));
    if (inserted.affected_rows() == 0) {
      // Either the code is another's, or this tenant got one a moment ago in another transaction.
      return Status(ErrorCode::kConflict, "referral_code_taken", "the code is taken");
    }
    code = candidate;
    return Status::Ok();
  }));
  return code;
}

Result<std::optional<std::string>> PostgresDatabase::ReferrerOfCode(const std::string& code) {
  std::optional<std::string> owner;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT referral_code_owner($1)", Param(code));
    if (!rows.empty() && !rows[0][0].is_null()) owner = Text(rows[0][0]);
    return Status::Ok();
  }));
  return owner;
}

Result<bool> PostgresDatabase::AddRedemption(const ReferralRedemption& r) {
  bool added = false;
  RETURN_IF_ERROR(Transact(r.tenant_id, [&](pqxx::dbtransaction& tx) {
    TimePoint at = r.redeemed_at == TimePoint{} ? clock_.Now() : r.redeemed_at;
    added = Exec(tx, "INSERT INTO referral_redemptions (tenant_id, code, referrer_id, redeemed_at) VALUES ($1, $2, $3, "
                     "to_timestamp($4)) ON CONFLICT (tenant_id) DO NOTHING",
                 Param(r.tenant_id), Param(r.code), Param(r.referrer_id), Param(ToUnixSeconds(at)))
                .affected_rows() == 1;
    return Status::Ok();
  }));
  return added;
}

Result<std::optional<ReferralRedemption>> PostgresDatabase::GetRedemption(const std::string& tenant_id) {
  std::optional<ReferralRedemption> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT tenant_id, code, referrer_id, extract(epoch from redeemed_at), "
                         "extract(epoch from counted_at) FROM referral_redemptions WHERE tenant_id = $1",
                     Param(tenant_id));
    if (!rows.empty()) found = ReadRedemption(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Result<bool> PostgresDatabase::CountRedemption(const std::string& tenant_id) {
  bool counted = false;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    counted = Exec(tx, "UPDATE referral_redemptions SET counted_at = to_timestamp($1) WHERE tenant_id = $2 "
                       "AND counted_at IS NULL",
                   Param(ToUnixSeconds(clock_.Now())), Param(tenant_id))
                  .affected_rows() == 1;
    return Status::Ok();
  }));
  return counted;
}

Result<ReferralCounts> PostgresDatabase::GetReferralCounts(const std::string& referrer_id) {
  ReferralCounts counts;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    auto row = Exec(tx, "SELECT * FROM referral_counts($1)", Param(referrer_id))[0];
    counts = ReferralCounts{row[0].as<int64_t>(), row[1].as<int64_t>()};
    return Status::Ok();
  }));
  return counts;
}

}  // namespace reflexio
