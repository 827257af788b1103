// The postgres backend's conversations and what was understood from them: episodes, insights
// (enrichment findings and memory). Part of PostgresDatabase; split from postgres_database.cpp by responsibility.
#include "storage/postgres_rows.h"
#include "storage/postgres_database.h"
#include "storage/cursor.h"
#include "storage/paging.h"

namespace reflexio {

using namespace pg;  // NOLINT: the backend's own helpers

namespace {
const char* kEpisodeColumns =
    "tenant_id, id, extract(epoch from started_at), extract(epoch from ended_at), state, segments, "
    "extract(epoch from closed_at), extract(epoch from enriched_at)";

const char* kInsightColumns =
    "tenant_id, id, scope, episode_id, kind, state, dedup_key, extract(epoch from at), due_date, body, "
    "extract(epoch from updated_at)";

Param NullIfEmpty(const std::string& s) { return s.empty() ? Param() : Param(s); }

void UpsertInsight(pqxx::dbtransaction& tx, const Insight& i) {
  Exec(tx, "INSERT INTO insights (tenant_id, id, scope, episode_id, kind, state, dedup_key, at, due_date, body, updated_at) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::float8), $9, $10, to_timestamp($11::float8)) "
               "ON CONFLICT (id) DO UPDATE SET scope = $3, episode_id = $4, kind = $5, state = $6, dedup_key = $7, "
               "at = to_timestamp($8::float8), due_date = $9, body = $10, updated_at = to_timestamp($11::float8) "
               "WHERE insights.tenant_id = $1",
       Param(i.tenant_id), Param(i.id), Param(ToString(i.scope)), NullIfEmpty(i.episode_id), Param(ToString(i.kind)),
       Param(ToString(i.state)),
       Param(i.dedup_key), Param(ToUnixSeconds(i.at)), Param::Optional(i.due_date), Param(i.body),
       Param(ToUnixSeconds(i.updated_at)));
}
}  // namespace

Result<std::vector<UnassignedSegment>> PostgresDatabase::ListUnassignedSegments(const std::string& tenant_id,
                                                                                int limit) {
  std::vector<UnassignedSegment> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT recording_id, seq, extract(epoch from captured_at), end_s - start_s FROM segments "
                         "WHERE tenant_id = $1 AND episode_id IS NULL AND quality != 'garbage' "
                         "ORDER BY captured_at, recording_id, seq LIMIT $2",
                     Param(tenant_id), Param(static_cast<int64_t>(limit)));
    for (const auto& row : rows) {
      found.push_back({Text(row[0]), row[1].as<int>(), FromUnixSeconds(Number(row[2])), Number(row[3])});
    }
    return Status::Ok();
  }));
  return found;
}

Status PostgresDatabase::AssignToEpisode(const Episode& e, const std::vector<UnassignedSegment>& segments) {
  return Transact(e.tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "INSERT INTO episodes (tenant_id, id, started_at, ended_at, state, segments, updated_at) "
             "VALUES ($1, $2, to_timestamp($3), to_timestamp($4), 'open', 0, to_timestamp($5)) ON CONFLICT (id) DO UPDATE SET "
             "started_at = to_timestamp($3), ended_at = to_timestamp($4), updated_at = to_timestamp($5)",
         Param(e.tenant_id), Param(e.id), Param(ToUnixSeconds(e.started_at)), Param(ToUnixSeconds(e.ended_at)),
         Param(ToUnixSeconds(clock_.Now())));
    for (const auto& segment : segments) {
      Exec(tx, "UPDATE segments SET episode_id = $1 WHERE tenant_id = $2 AND recording_id = $3 AND seq = $4",
           Param(e.id), Param(e.tenant_id), Param(segment.recording_id), Param(static_cast<int64_t>(segment.seq)));
    }
    Exec(tx, "UPDATE episodes SET segments = (SELECT count(*) FROM segments WHERE tenant_id = $1 AND episode_id = $2) "
             "WHERE tenant_id = $1 AND id = $2",
         Param(e.tenant_id), Param(e.id));
    return Status::Ok();
  });
}

Result<std::vector<Episode>> PostgresDatabase::ListOpenEpisodesQuietSince(const std::string& tenant_id,
                                                                           TimePoint cutoff) {
  std::vector<Episode> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kEpisodeColumns +
                             " FROM episodes WHERE tenant_id = $1 AND state = 'open' AND ended_at < to_timestamp($2) "
                             "AND updated_at < to_timestamp($2) ORDER BY ended_at",
                     Param(tenant_id), Param(ToUnixSeconds(cutoff)));
    for (const auto& row : rows) found.push_back(ReadEpisode(Row(row)));
    return Status::Ok();
  }));
  return found;
}

Result<std::optional<TimePoint>> PostgresDatabase::EarliestUnfinishedCapture(const std::string& tenant_id) {
  std::optional<TimePoint> earliest;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, "SELECT extract(epoch from min(captured_at)) FROM recordings WHERE tenant_id = $1 "
                         "AND status IN ('queued', 'processing')",
                     Param(tenant_id));
    if (!rows.empty() && !rows[0][0].is_null()) earliest = FromUnixSeconds(Number(rows[0][0]));
    return Status::Ok();
  }));
  return earliest;
}

Status PostgresDatabase::CloseEpisode(const std::string& tenant_id, const std::string& episode_id,
                                      TimePoint closed_at) {
  return Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "UPDATE episodes SET state = 'closed', closed_at = to_timestamp($1) WHERE tenant_id = $2 AND id = $3 "
             "AND state = 'open'",
         Param(ToUnixSeconds(closed_at)), Param(tenant_id), Param(episode_id));
    return Status::Ok();
  });
}

Result<Page<Episode>> PostgresDatabase::ListEpisodes(const std::string& tenant_id, const TimeRange& range, int limit,
                                                     const std::string& cursor) {
  ASSIGN_OR_RETURN(After after, AfterCursor(cursor));
  Page<Episode> page;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(
        tx, std::string("SELECT ") + kEpisodeColumns +
                " FROM episodes WHERE tenant_id = $1 "
                "AND ($2::float8 IS NULL OR ended_at >= to_timestamp($2::float8)) "
                "AND ($3::float8 IS NULL OR started_at < to_timestamp($3::float8)) "
                "AND ($4::float8 IS NULL OR started_at < to_timestamp($4::float8) OR "
                "(started_at = to_timestamp($4::float8) AND id < $5)) "
                "ORDER BY started_at DESC, id DESC LIMIT $6",
        Param(tenant_id), Param::Time(range.from), Param::Time(range.to),
        after.key, after.id, Param(FetchLimit(limit)));
    for (const auto& row : rows) page.items.push_back(ReadEpisode(Row(row)));
    return Status::Ok();
  }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor(EpochKey(last.started_at), last.id); });
}

Result<std::optional<Episode>> PostgresDatabase::GetEpisode(const std::string& tenant_id, const std::string& id) {
  std::optional<Episode> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kEpisodeColumns + " FROM episodes WHERE tenant_id = $1 AND id = $2",
                     Param(tenant_id), Param(id));
    if (!rows.empty()) found = ReadEpisode(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Result<std::vector<EpisodeSegment>> PostgresDatabase::GetEpisodeSegments(const std::string& tenant_id,
                                                                        const std::string& episode_id) {
  std::vector<EpisodeSegment> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT recording_id, ") + kSegmentColumns +
                             " FROM segments WHERE tenant_id = $1 AND episode_id = $2 "
                             "ORDER BY captured_at, recording_id, seq",
                     Param(tenant_id), Param(episode_id));
    for (const auto& row : rows) found.push_back({Text(row[0]), ReadSegment(Row(row), 1)});
    return Status::Ok();
  }));
  return found;
}

Result<std::vector<Episode>> PostgresDatabase::ListEpisodesToEnrich(const std::string& tenant_id, int limit) {
  std::vector<Episode> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kEpisodeColumns +
                             " FROM episodes WHERE tenant_id = $1 AND state = 'closed' AND enriched_at IS NULL "
                             "ORDER BY started_at, id LIMIT $2",
                     Param(tenant_id), Param(static_cast<int64_t>(limit)));
    for (const auto& row : rows) found.push_back(ReadEpisode(Row(row)));
    return Status::Ok();
  }));
  return found;
}

Status PostgresDatabase::StoreEnrichment(const std::string& tenant_id, const std::string& episode_id,
                                         const std::vector<Insight>& insights, TimePoint enriched_at) {
  for (const Insight& insight : insights) {
    if (insight.tenant_id != tenant_id) return InvalidArgument("an insight of another tenant");
  }
  Status s = Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    Exec(tx, "DELETE FROM insights WHERE tenant_id = $1 AND scope = 'episode' AND episode_id = $2", Param(tenant_id),
         Param(episode_id));
    for (const Insight& insight : insights) UpsertInsight(tx, insight);
    Exec(tx, "UPDATE episodes SET enriched_at = to_timestamp($1::float8) WHERE tenant_id = $2 AND id = $3",
         Param(ToUnixSeconds(enriched_at)), Param(tenant_id), Param(episode_id));
    return Status::Ok();
  });
  if (!s.ok() && s.message().find("insights_by_key") != std::string::npos) {
    return Status(ErrorCode::kConflict, "duplicate_insight", "another entry says the same");
  }
  return s;
}

Result<Page<Insight>> PostgresDatabase::ListInsights(const std::string& tenant_id, const InsightFilter& f, int limit,
                                                     const std::string& cursor) {
  ASSIGN_OR_RETURN(After after, AfterCursor(cursor));
  Page<Insight> page;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(
        tx, std::string("SELECT ") + kInsightColumns +
                " FROM insights WHERE tenant_id = $1 AND ($2 = '' OR scope = $2) AND ($3 = '' OR kind = $3) "
                "AND ($4 = '' OR episode_id = $4) AND ($5 = '' OR state = $5) "
                "AND ($6::float8 IS NULL OR at >= to_timestamp($6::float8)) "
                "AND ($7::float8 IS NULL OR at < to_timestamp($7::float8)) "
                "AND ($8::float8 IS NULL OR at < to_timestamp($8::float8) OR "
                "(at = to_timestamp($8::float8) AND id < $9)) "
                "ORDER BY at DESC, id DESC LIMIT $10",
        Param(tenant_id), Param(f.scope ? ToString(*f.scope) : ""), Param(f.kind ? ToString(*f.kind) : ""),
        Param(f.episode_id), Param(f.state ? ToString(*f.state) : ""),
        Param::Time(f.range.from), Param::Time(f.range.to), after.key, after.id, Param(FetchLimit(limit)));
    for (const auto& row : rows) page.items.push_back(ReadInsight(Row(row)));
    return Status::Ok();
  }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor(EpochKey(last.at), last.id); });
}

Result<std::optional<Insight>> PostgresDatabase::GetInsight(const std::string& tenant_id, const std::string& id) {
  std::optional<Insight> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kInsightColumns + " FROM insights WHERE tenant_id = $1 AND id = $2",
                     Param(tenant_id), Param(id));
    if (!rows.empty()) found = ReadInsight(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Result<std::optional<Insight>> PostgresDatabase::FindInsightByKey(const std::string& tenant_id, InsightScope scope,
                                                                 InsightKind kind, const std::string& dedup_key) {
  std::optional<Insight> found;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    auto rows = Exec(tx, std::string("SELECT ") + kInsightColumns +
                             " FROM insights WHERE tenant_id = $1 AND scope = $2 AND kind = $3 AND dedup_key = $4 "
                             "AND dedup_key <> ''",
                     Param(tenant_id), Param(ToString(scope)), Param(ToString(kind)), Param(dedup_key));
    if (!rows.empty()) found = ReadInsight(Row(rows[0]));
    return Status::Ok();
  }));
  return found;
}

Status PostgresDatabase::PutInsight(const Insight& insight) {
  Status s = Transact(insight.tenant_id, [&](pqxx::dbtransaction& tx) {
    UpsertInsight(tx, insight);
    return Status::Ok();
  });
  if (!s.ok() && s.message().find("insights_by_key") != std::string::npos) {
    return Status(ErrorCode::kConflict, "duplicate_insight", "another " + std::string(ToString(insight.kind)) + " entry says the same");
  }
  return s;
}

Status PostgresDatabase::DeleteInsight(const std::string& tenant_id, const std::string& id) {
  bool deleted = false;
  RETURN_IF_ERROR(Transact(tenant_id, [&](pqxx::dbtransaction& tx) {
    deleted = Exec(tx, "DELETE FROM insights WHERE tenant_id = $1 AND id = $2", Param(tenant_id), Param(id))
                  .affected_rows() > 0;
    return Status::Ok();
  }));
  if (!deleted) return NotFound("no insight " + id, "insight_not_found");
  return Status::Ok();
}

}  // namespace reflexio
