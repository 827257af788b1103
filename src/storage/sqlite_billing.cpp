// The SQLite backend's billing ledger. Part of SqliteDatabase; split from sqlite_database.cpp by
// responsibility.
#include "storage/row_mappers.h"
#include "storage/sqlite_database.h"
#include "storage/sqlite_rows.h"

namespace reflexio {

using namespace sqlite_rows;  // NOLINT: the backend's own helpers

namespace {

constexpr const char* kSubscriptionColumns =
    "tenant_id, plan_id, status, stripe_customer, stripe_subscription, current_period_end, cancel_at_period_end, "
    "grace_until, synced_at, updated_at";
constexpr const char* kChargeColumns =
    "tenant_id, recording_id, day, speech_s, allowance_s, bonus_s, over_s, charged_at";

void BindTime(SqliteStatement& statement, int at, const std::optional<TimePoint>& t) {
  if (t) statement.Bind(at, FormatRfc3339(*t)); else statement.BindNull(at);
}

Result<std::optional<SpeechCharge>> FindCharge(SqliteConnection& db, const std::string& tenant_id,
                                               const std::string& recording_id) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(std::string("SELECT ") + kChargeColumns +
                                         " FROM speech_charges WHERE tenant_id = ? AND recording_id = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, recording_id);
  return ReadOne(stmt, ReadSpeechCharge);
}

Result<double> ReadSum(SqliteConnection& db, const std::string& sql, const std::string& tenant_id,
                       const std::optional<std::string>& day = std::nullopt) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  stmt.Bind(1, tenant_id);
  if (day) stmt.Bind(2, *day);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnDouble(0) : 0.0;
}

Result<BonusBalance> ReadBonusBalance(SqliteConnection& db, const std::string& tenant_id) {
  BonusBalance balance;
  ASSIGN_OR_RETURN(balance.granted_s,
                   ReadSum(db, "SELECT coalesce(sum(seconds), 0) FROM bonus_grants WHERE tenant_id = ?", tenant_id));
  ASSIGN_OR_RETURN(balance.drawn_s,
                   ReadSum(db, "SELECT coalesce(sum(bonus_s), 0) FROM speech_charges WHERE tenant_id = ?", tenant_id));
  return balance;
}

Status WriteSubscription(SqliteConnection& db, const Subscription& s, TimePoint now) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(
      "INSERT INTO subscriptions (tenant_id, plan_id, status, stripe_customer, stripe_subscription, current_period_end, "
      "cancel_at_period_end, grace_until, synced_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT (tenant_id) DO UPDATE SET plan_id = ?2, status = ?3, stripe_customer = ?4, stripe_subscription = ?5, "
      "current_period_end = ?6, cancel_at_period_end = ?7, grace_until = ?8, synced_at = ?9, updated_at = ?10"));
  stmt.Bind(1, s.tenant_id);
  stmt.Bind(2, s.plan_id);
  stmt.Bind(3, s.status);
  stmt.Bind(4, s.stripe_customer);
  stmt.Bind(5, s.stripe_subscription);
  BindTime(stmt, 6, s.current_period_end);
  stmt.Bind(7, static_cast<int64_t>(s.cancel_at_period_end));
  BindTime(stmt, 8, s.grace_until);
  stmt.Bind(9, FormatRfc3339(s.synced_at));
  stmt.Bind(10, FormatRfc3339(now));
  return stmt.Run();
}

}  // namespace

Result<std::optional<Subscription>> SqliteDatabase::GetSubscription(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kSubscriptionColumns +
                                           " FROM subscriptions WHERE tenant_id = ?"));
  stmt.Bind(1, tenant_id);
  return ReadOne(stmt, ReadSubscription);
}

Status SqliteDatabase::PutSubscription(const Subscription& s) {
  MutexLock lock(mutex_);
  return WriteSubscription(*db_, s, clock_.Now());
}

Result<bool> SqliteDatabase::ApplyStripeEvent(const StripeEventRecord& event, const Subscription& next,
                                              const std::optional<AuditEntry>& audit) {
  return Transact<bool>(event.tenant_id, [&](SqliteConnection& db) -> Result<bool> {
    TimePoint now = clock_.Now();
    ASSIGN_OR_RETURN(auto record, db.Prepare(
        "INSERT INTO stripe_events (tenant_id, id, type, created, handled_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO NOTHING"));
    record.Bind(1, event.tenant_id);
    record.Bind(2, event.id);
    record.Bind(3, event.type);
    record.Bind(4, FormatRfc3339(event.created));
    record.Bind(5, FormatRfc3339(now));
    RETURN_IF_ERROR(record.Run());
    if (db.Changes() == 0) return false;
    ASSIGN_OR_RETURN(auto stored, db.Prepare("SELECT synced_at FROM subscriptions WHERE tenant_id = ?"));
    stored.Bind(1, next.tenant_id);
    ASSIGN_OR_RETURN(bool exists, stored.Step());
    bool newer = !exists || ParseStoredTime(stored.ColumnText(0)) <= next.synced_at;
    if (newer) RETURN_IF_ERROR(WriteSubscription(db, next, now));
    if (audit) RETURN_IF_ERROR(InsertAuditEntry(db, *audit, now));
    return true;
  });
}

Result<ChargeOutcome> SqliteDatabase::ChargeSpeech(const SpeechCharge& request) {
  // BEGIN IMMEDIATE makes the read of the day and the bonus, and the insert, one step.
  return Transact<ChargeOutcome>(request.tenant_id, [&](SqliteConnection& db) -> Result<ChargeOutcome> {
    ASSIGN_OR_RETURN(auto existing, FindCharge(db, request.tenant_id, request.recording_id));
    if (existing) return ChargeOutcome{*existing, false};
    ASSIGN_OR_RETURN(double day_before,
                     ReadSum(db, "SELECT coalesce(sum(speech_s), 0) FROM speech_charges WHERE tenant_id = ? AND day = ?",
                             request.tenant_id, request.day));
    ASSIGN_OR_RETURN(BonusBalance bonus, ReadBonusBalance(db, request.tenant_id));
    SpeechCharge charge = ApportionCharge(request, day_before, bonus.left_s());
    charge.charged_at = clock_.Now();
    ASSIGN_OR_RETURN(auto stmt, db.Prepare(
        "INSERT INTO speech_charges (tenant_id, recording_id, day, speech_s, allowance_s, bonus_s, over_s, charged_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    stmt.Bind(1, charge.tenant_id);
    stmt.Bind(2, charge.recording_id);
    stmt.Bind(3, charge.day);
    stmt.Bind(4, charge.speech_s);
    if (charge.allowance_s) stmt.Bind(5, *charge.allowance_s); else stmt.BindNull(5);
    stmt.Bind(6, charge.bonus_s);
    stmt.Bind(7, charge.over_s);
    stmt.Bind(8, FormatRfc3339(charge.charged_at));
    RETURN_IF_ERROR(stmt.Run());
    return ChargeOutcome{charge, true};
  });
}

Result<SpeechDay> SqliteDatabase::GetSpeechDay(const std::string& tenant_id, const std::string& day) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT coalesce(sum(speech_s), 0), coalesce(sum(bonus_s), 0), coalesce(sum(over_s), 0) "
      "FROM speech_charges WHERE tenant_id = ? AND day = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, day);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return SpeechDay{};
  return SpeechDay{stmt.ColumnDouble(0), stmt.ColumnDouble(1), stmt.ColumnDouble(2)};
}

Result<std::vector<Recording>> SqliteDatabase::ListUnchargedRecordings(const std::string& tenant_id,
                                                                       TimePoint received_since, int limit) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      std::string("SELECT ") + kRecordingColumns + " FROM recordings r WHERE r.tenant_id = ?1 AND r.received_at >= ?2 "
      "AND r.status = 'transcribed' AND r.speech_s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM speech_charges c "
      "WHERE c.tenant_id = r.tenant_id AND c.recording_id = r.id) ORDER BY r.received_at, r.id LIMIT ?3"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, FormatRfc3339(received_since));
  stmt.Bind(3, static_cast<int64_t>(limit));
  return ReadRows(stmt, ReadRecording);
}

Result<bool> SqliteDatabase::GrantBonus(const BonusGrant& grant) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO bonus_grants (tenant_id, reason, seconds, granted_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (tenant_id, reason) DO NOTHING"));
  stmt.Bind(1, grant.tenant_id);
  stmt.Bind(2, grant.reason);
  stmt.Bind(3, grant.seconds);
  stmt.Bind(4, FormatRfc3339(clock_.Now()));
  RETURN_IF_ERROR(stmt.Run());
  return db_->Changes() == 1;
}

Result<BonusBalance> SqliteDatabase::GetBonusBalance(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  return ReadBonusBalance(*db_, tenant_id);
}

Result<double> SqliteDatabase::GetSpeechTotal(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  return ReadSum(*db_, "SELECT coalesce(sum(speech_s), 0) FROM speech_charges WHERE tenant_id = ?", tenant_id);
}

Result<ConversionStats> SqliteDatabase::GetConversionStats(TimePoint from, TimePoint to, TimePoint now) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "WITH firsts AS (SELECT tenant_id, min(created) AS first FROM stripe_events "
      "WHERE type = 'checkout.session.completed' GROUP BY tenant_id) SELECT "
      "(SELECT count(*) FROM tenants WHERE created_at >= ?1 AND created_at < ?2), "
      "(SELECT count(*) FROM tenants t JOIN firsts f ON f.tenant_id = t.id WHERE t.created_at >= ?1 AND t.created_at < ?2), "
      "(SELECT count(*) FROM firsts WHERE first >= ?1 AND first < ?2), "
      "(SELECT count(*) FROM subscriptions WHERE (status IN ('active', 'trialing') AND (current_period_end IS NULL "
      "OR current_period_end > ?3)) OR (status = 'past_due' AND grace_until > ?3)), "
      "(SELECT count(*) FROM referral_redemptions WHERE redeemed_at >= ?1 AND redeemed_at < ?2), "
      "(SELECT count(counted_at) FROM referral_redemptions WHERE redeemed_at >= ?1 AND redeemed_at < ?2), "
      "(SELECT count(*) FROM bonus_grants WHERE reason = 'referral_bonus' AND granted_at >= ?1 AND granted_at < ?2)"));
  stmt.Bind(1, FormatRfc3339(from));
  stmt.Bind(2, FormatRfc3339(to));
  stmt.Bind(3, FormatRfc3339(now));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Internal("the conversion figures query returned no row");
  return ConversionStats{stmt.ColumnInt(0), stmt.ColumnInt(1), stmt.ColumnInt(2), stmt.ColumnInt(3),
                         stmt.ColumnInt(4), stmt.ColumnInt(5), stmt.ColumnInt(6)};
}

Result<std::string> SqliteDatabase::EnsureReferralCode(const std::string& tenant_id, const std::string& candidate) {
  return Transact<std::string>(tenant_id, [&](SqliteConnection& db) -> Result<std::string> {
    ASSIGN_OR_RETURN(auto mine, db.Prepare("SELECT code FROM referral_codes WHERE tenant_id = ?"));
    mine.Bind(1, tenant_id);
    ASSIGN_OR_RETURN(bool has, mine.Step());
    if (has) return mine.ColumnText(0);
    ASSIGN_OR_RETURN(auto insert, db.Prepare(
        "INSERT INTO referral_codes (tenant_id, code, created_at) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING"));
    insert.Bind(1, tenant_id);
    insert.Bind(2, candidate);
    insert.Bind(3, FormatRfc3339(clock_.Now()));
    RETURN_IF_ERROR(insert.Run());
    if (db.Changes() == 0) return Status(ErrorCode::kConflict, "referral_code_taken", "the code is another tenant's");
    return candidate;
  });
}

Result<std::optional<std::string>> SqliteDatabase::ReferrerOfCode(const std::string& code) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT tenant_id FROM referral_codes WHERE code = ?"));
  stmt.Bind(1, code);
  return ReadOne(stmt, [](const SqliteRow& row) { return row.Text(0); });
}

Result<bool> SqliteDatabase::AddRedemption(const ReferralRedemption& r) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "INSERT INTO referral_redemptions (tenant_id, code, referrer_id, redeemed_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (tenant_id) DO NOTHING"));
  stmt.Bind(1, r.tenant_id);
  stmt.Bind(2, r.code);
  stmt.Bind(3, r.referrer_id);
  stmt.Bind(4, FormatRfc3339(r.redeemed_at == TimePoint{} ? clock_.Now() : r.redeemed_at));
  RETURN_IF_ERROR(stmt.Run());
  return db_->Changes() == 1;
}

Result<std::optional<ReferralRedemption>> SqliteDatabase::GetRedemption(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT tenant_id, code, referrer_id, redeemed_at, counted_at FROM referral_redemptions WHERE tenant_id = ?"));
  stmt.Bind(1, tenant_id);
  return ReadOne(stmt, ReadRedemption);
}

Result<bool> SqliteDatabase::CountRedemption(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "UPDATE referral_redemptions SET counted_at = ? WHERE tenant_id = ? AND counted_at IS NULL"));
  stmt.Bind(1, FormatRfc3339(clock_.Now()));
  stmt.Bind(2, tenant_id);
  RETURN_IF_ERROR(stmt.Run());
  return db_->Changes() == 1;
}

Result<ReferralCounts> SqliteDatabase::GetReferralCounts(const std::string& referrer_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT count(*), count(counted_at) FROM referral_redemptions WHERE referrer_id = ?"));
  stmt.Bind(1, referrer_id);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return ReferralCounts{};
  return ReferralCounts{stmt.ColumnInt(0), stmt.ColumnInt(1)};
}

}  // namespace reflexio
