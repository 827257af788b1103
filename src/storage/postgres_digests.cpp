// The PostgreSQL backend's digests. Part of PostgresDatabase; split from postgres_database.cpp
// by responsibility.
#include <algorithm>

#include "storage/codecs.h"
#include "storage/cursor.h"
#include "storage/paging.h"
#include "storage/postgres_database.h"
#include "storage/postgres_rows.h"

namespace reflexio {

using namespace pg;  // NOLINT: the backend's own helpers

namespace {
}  // namespace

Result<std::optional<Digest>> PostgresDatabase::GetDigest(const std::string& tenant_id, const std::string& date) {
  std::optional<Digest> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT tenant_id, date, status, inputs_hash, error, extract(epoch from updated_at), "
                         "content_json, markdown, pdf FROM digests WHERE tenant_id = $1 AND date = $2",
                     Param(tenant_id), Param(date));
    if (!rows.empty()) found = ReadDigest(Row(rows[0]), true);
    return Status::Ok();
  }));
  return found;
}

Result<DigestInputs> PostgresDatabase::GetDigestInputs(const std::string& tenant_id, const std::string& date,
                                                      const TimeRange& day) {
  DigestInputs inputs;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(
        tx,
        "SELECT * FROM "
        "(SELECT count(*), 0, extract(epoch from max(updated_at)) FROM recordings WHERE tenant_id = $1 "
        "AND captured_at >= to_timestamp($2::float8) AND captured_at < to_timestamp($3::float8)) r, "
        "(SELECT count(*), 0, extract(epoch from max(updated_at)) FROM insights WHERE tenant_id = $1 "
        "AND scope = 'episode' AND at >= to_timestamp($2::float8) AND at < to_timestamp($3::float8)) i, "
        "(SELECT count(*), 0, extract(epoch from max(updated_at)) FROM insights WHERE tenant_id = $1 "
        "AND scope = 'episode' AND kind = 'action' AND (due_date = $4 OR updated_at >= to_timestamp($2::float8))) a, "
        "(SELECT count(*), 0, extract(epoch from max(updated_at)) FROM insights WHERE tenant_id = $1 "
        "AND scope = 'core' AND updated_at >= to_timestamp($2::float8)) m, "
        "(SELECT count(*), coalesce(sum(segments), 0), extract(epoch from greatest(max(updated_at), max(enriched_at))) "
        "FROM episodes WHERE tenant_id = $1 AND ended_at >= to_timestamp($2::float8) "
        "AND started_at < to_timestamp($3::float8)) e",
        Param(tenant_id), Param::Time(day.from), Param::Time(day.to), Param(date));
    inputs = ReadDigestInputs(Row(rows[0]));
    return Status::Ok();
  }));
  return inputs;
}

Result<bool> PostgresDatabase::ClaimDigestBuild(const std::string& tenant_id, const std::string& date,
                                                TimePoint lease_until) {
  bool claimed = false;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx,
                     "INSERT INTO digests (tenant_id, date, status, lease_until, updated_at) "
                     "VALUES ($1, $2, 'generating', to_timestamp($3::float8), to_timestamp($4::float8)) "
                     "ON CONFLICT (tenant_id, date) DO UPDATE SET status = 'generating', "
                     "lease_until = to_timestamp($3::float8), updated_at = to_timestamp($4::float8) "
                     "WHERE digests.status <> 'generating' OR digests.lease_until IS NULL "
                     "OR digests.lease_until < to_timestamp($4::float8) RETURNING 1",
                     Param(tenant_id), Param(date), Param(ToUnixSeconds(lease_until)), Param(ToUnixSeconds(clock_.Now())));
    claimed = !rows.empty();
    return Status::Ok();
  }));
  return claimed;
}

Status PostgresDatabase::StoreDigest(const Digest& d) {
  return Transact(d.tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx,
         "INSERT INTO digests (tenant_id, date, status, inputs_hash, content_json, markdown, pdf, error, lease_until, "
         "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, to_timestamp($9::float8)) "
         "ON CONFLICT (tenant_id, date) DO UPDATE SET status = $3, inputs_hash = $4, content_json = $5, markdown = $6, "
         "pdf = $7, error = $8, lease_until = NULL, updated_at = to_timestamp($9::float8)",
         Param(d.tenant_id), Param(d.date), Param(ToString(d.status)), Param(d.inputs_hash), Param(d.content_json),
         Param(d.markdown), Param(d.pdf), Param(d.error), Param(ToUnixSeconds(clock_.Now())));
    return Status::Ok();
  });
}

Result<Page<Digest>> PostgresDatabase::ListDigests(const std::string& tenant_id, const std::string& from,
                                                   const std::string& to, int limit, const std::string& cursor) {
  std::string after;
  if (!cursor.empty()) {
    ASSIGN_OR_RETURN(auto position, DecodeKeysetCursor(cursor));
    after = position.first;
  }
  Page<Digest> page;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx,
                     "SELECT tenant_id, date, status, inputs_hash, error, extract(epoch from updated_at) FROM digests "
                     "WHERE tenant_id = $1 AND ($2 = '' OR date >= $2) AND ($3 = '' OR date <= $3) "
                     "AND ($4 = '' OR date < $4) ORDER BY date DESC LIMIT $5",
                     Param(tenant_id), Param(from), Param(to), Param(after), Param(FetchLimit(limit)));
    for (const auto& row : rows) page.items.push_back(ReadDigest(Row(row), false));
    return Status::Ok();
  }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor(last.date, last.date); });
}

Status PostgresDatabase::DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) {
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "DELETE FROM digests WHERE tenant_id = $1 AND date < $2", Param(tenant_id), Param(date));
    Exec(tx, "DELETE FROM digest_deliveries WHERE tenant_id = $1 AND date < $2", Param(tenant_id), Param(date));
    return Status::Ok();
  });
}

namespace {
constexpr const char* kDeliveryColumns =
    "tenant_id, date, origin, state, chat_id, messages, steps_done, message_ids, attempts, "
    "extract(epoch from next_attempt_at), extract(epoch from lease_until), last_error, extract(epoch from created_at), "
    "extract(epoch from updated_at), with_document";

}  // namespace

Result<bool> PostgresDatabase::AddDelivery(const DigestDelivery& d, bool replace) {
  bool added = false;
  RETURN_IF_ERROR(Transact(d.tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx,
                     "INSERT INTO digest_deliveries (tenant_id, date, origin, state, chat_id, messages, steps_done, "
                     "message_ids, attempts, next_attempt_at, lease_until, last_error, created_at, updated_at, "
                     "with_document) VALUES ($1, $2, $3, $4, $5, $6, 0, '[]', 0, to_timestamp($7::float8), NULL, $8, "
                     "to_timestamp($9::float8), to_timestamp($9::float8), $11::boolean) "
                     "ON CONFLICT (tenant_id, date, origin) DO UPDATE SET state = $4, chat_id = $5, messages = $6, "
                     "with_document = $11::boolean, "
                     "steps_done = 0, message_ids = '[]', attempts = 0, next_attempt_at = to_timestamp($7::float8), "
                     "lease_until = NULL, last_error = $8, created_at = to_timestamp($9::float8), "
                     "updated_at = to_timestamp($9::float8) WHERE $10::boolean AND "
                     "(digest_deliveries.lease_until IS NULL OR digest_deliveries.lease_until < to_timestamp($9::float8)) "
                     "RETURNING 1",
                     Param(d.tenant_id), Param(d.date), Param(ToString(d.origin)), Param(ToString(d.state)),
                     Param(d.chat_id),
                     Param(StringsToJson(d.messages)), Param(ToUnixSeconds(d.next_attempt_at)), Param(d.last_error),
                     Param(ToUnixSeconds(clock_.Now())), Param(std::string(replace ? "true" : "false")),
                     Param(std::string(d.with_document ? "true" : "false")));
    added = !rows.empty();
    return Status::Ok();
  }));
  return added;
}

Result<std::optional<DigestDelivery>> PostgresDatabase::GetDelivery(const std::string& tenant_id,
                                                                    const std::string& date,
                                                                    DeliveryOrigin origin) {
  std::optional<DigestDelivery> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kDeliveryColumns +
                             " FROM digest_deliveries WHERE tenant_id = $1 AND date = $2 AND origin = $3",
                     Param(tenant_id), Param(date), Param(ToString(origin)));
    if (!rows.empty()) found = ReadDelivery(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Result<std::vector<DigestDelivery>> PostgresDatabase::ListDeliveries(const std::string& tenant_id,
                                                                     const std::string& date) {
  std::vector<DigestDelivery> out;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    for (const auto& row : Exec(tx, std::string("SELECT ") + kDeliveryColumns +
                                        " FROM digest_deliveries WHERE tenant_id = $1 AND date = $2 ORDER BY origin",
                                Param(tenant_id), Param(date))) {
      out.push_back(ReadDelivery(Row(row)));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<DigestDelivery>> PostgresDatabase::ClaimDeliveries(const std::string& tenant_id,
                                                                      const std::optional<DeliveryKey>& only,
                                                                      TimePoint lease_until, int limit) {
  std::vector<DigestDelivery> out;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    // SKIP LOCKED: two schedulers (or a scheduler and an operator's command) never claim one row.
    auto rows = Exec(tx,
                     std::string("UPDATE digest_deliveries SET lease_until = to_timestamp($1::float8) "
                                 "WHERE (tenant_id, date, origin) IN (SELECT tenant_id, date, origin "
                                 "FROM digest_deliveries WHERE tenant_id = $2 AND state = 'pending' AND "
                                 "(lease_until IS NULL OR lease_until < to_timestamp($3::float8)) AND "
                                 "($4 = '' OR (date = $4 AND origin = $5)) AND "
                                 "($4 <> '' OR next_attempt_at <= to_timestamp($3::float8)) "
                                 "ORDER BY next_attempt_at, date LIMIT $6 FOR UPDATE SKIP LOCKED) "
                                 "RETURNING ") + kDeliveryColumns,
                     Param(ToUnixSeconds(lease_until)), Param(tenant_id), Param(ToUnixSeconds(clock_.Now())),
                     Param(only ? only->date : ""), Param(only ? ToString(only->origin) : ""),
                     Param(static_cast<int64_t>(limit)));
    for (const auto& row : rows) out.push_back(ReadDelivery(Row(row)));
    return Status::Ok();
  }));
  return out;
}

Status PostgresDatabase::UpdateDelivery(const DigestDelivery& d) {
  bool updated = false;
  RETURN_IF_ERROR(Transact(d.tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx,
                     "UPDATE digest_deliveries SET state = $4, steps_done = $5, message_ids = $6, attempts = $7, "
                     "next_attempt_at = to_timestamp($8::float8), lease_until = to_timestamp($9::float8), "
                     "last_error = $10, updated_at = to_timestamp($11::float8) "
                     "WHERE tenant_id = $1 AND date = $2 AND origin = $3 RETURNING 1",
                     Param(d.tenant_id), Param(d.date), Param(ToString(d.origin)), Param(ToString(d.state)),
                     Param(static_cast<int64_t>(d.steps_done)), Param(StringsToJson(d.message_ids)),
                     Param(static_cast<int64_t>(d.attempts)), Param(ToUnixSeconds(d.next_attempt_at)),
                     Param::Time(d.lease_until), Param(d.last_error), Param(ToUnixSeconds(clock_.Now())));
    updated = !rows.empty();
    return Status::Ok();
  }));
  if (!updated) return NotFound("no delivery of " + d.date + " (" + ToString(d.origin) + ") to update");
  return Status::Ok();
}

Result<DeliveryStats> PostgresDatabase::GetDeliveryStats(TimePoint failed_since) {
  DeliveryStats stats;
  RETURN_IF_ERROR(Transact("", [&](pqxx::dbtransaction& tx) {
    auto row = Exec(tx, "SELECT pending, failed, oldest_pending_age FROM delivery_stats($1, $2)",
                    Param(ToUnixSeconds(clock_.Now())), Param(ToUnixSeconds(failed_since)))[0];
    stats.pending = row[0].as<int64_t>();
    stats.failed = row[1].as<int64_t>();
    stats.oldest_pending_age_s = std::max(0.0, Number(row[2]));
    return Status::Ok();
  }));
  return stats;
}

}  // namespace reflexio
