// The PostgreSQL backend's digests. Part of PostgresDatabase; split from postgres_database.cpp
// by responsibility.
#include "storage/cursor.h"
#include "storage/postgres_database.h"
#include "storage/postgres_rows.h"

namespace reflexio {

using namespace pg;  // NOLINT: the backend's own helpers

namespace {
Digest ReadDigest(const pqxx::row& row, bool with_contents) {
  Digest d;
  d.tenant_id = Text(row[0]);
  d.date = Text(row[1]);
  d.status = Text(row[2]);
  d.inputs_hash = Text(row[3]);
  d.error = Text(row[4]);
  d.updated_at = FromUnixSeconds(Number(row[5]));
  if (with_contents) {
    d.content_json = Text(row[6]);
    d.markdown = Text(row[7]);
    d.pdf = Text(row[8]);
  }
  return d;
}
}  // namespace

Result<std::optional<Digest>> PostgresDatabase::GetDigest(const std::string& tenant_id, const std::string& date) {
  std::optional<Digest> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT tenant_id, date, status, inputs_hash, error, extract(epoch from updated_at), "
                         "content_json, markdown, pdf FROM digests WHERE tenant_id = $1 AND date = $2",
                     Param(tenant_id), Param(date));
    if (!rows.empty()) found = ReadDigest(rows[0], true);
    return Status::Ok();
  }));
  return found;
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
         Param(d.tenant_id), Param(d.date), Param(d.status), Param(d.inputs_hash), Param(d.content_json),
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
                     Param(tenant_id), Param(from), Param(to), Param(after), Param(static_cast<int64_t>(limit + 1)));
    for (const auto& row : rows) page.items.push_back(ReadDigest(row, false));
    return Status::Ok();
  }));
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.pop_back();
    page.next_cursor = EncodeKeysetCursor(page.items.back().date, page.items.back().date);
  }
  return page;
}

Status PostgresDatabase::DeleteDigestsBefore(const std::string& tenant_id, const std::string& date) {
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "DELETE FROM digests WHERE tenant_id = $1 AND date < $2", Param(tenant_id), Param(date));
    return Status::Ok();
  });
}

}  // namespace reflexio
