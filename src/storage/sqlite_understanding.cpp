// The sqlite backend's conversations and what was understood from them: episodes, insights
// (enrichment findings and memory). Part of SqliteDatabase; split from sqlite_database.cpp by responsibility.
#include "storage/sqlite_rows.h"
#include "storage/sqlite_database.h"
#include "storage/cursor.h"
#include "storage/paging.h"

namespace reflexio {

using namespace sqlite_rows;  // NOLINT: the backend's own helpers

namespace {
constexpr const char* kEpisodeColumns = "tenant_id, id, started_at, ended_at, state, segments, closed_at, enriched_at";

constexpr const char* kInsightColumns =
    "tenant_id, id, scope, episode_id, kind, state, dedup_key, at, due_date, body, updated_at";

std::optional<std::string> NullIfEmpty(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }
}  // namespace

Result<std::vector<UnassignedSegment>> SqliteDatabase::ListUnassignedSegments(const std::string& tenant_id, int limit) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT recording_id, seq, captured_at, end_s - start_s FROM segments WHERE tenant_id = ? AND episode_id IS NULL "
      "AND quality != 'garbage' ORDER BY captured_at, recording_id, seq LIMIT ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, static_cast<int64_t>(limit));
  return ReadRows(stmt, [](const SqliteRow& row) {
    return UnassignedSegment{row.Text(0), static_cast<int>(row.Int(1)), row.Time(2), row.Double(3)};
  });
}

Status SqliteDatabase::AssignToEpisode(const Episode& e, const std::vector<UnassignedSegment>& segments) {
  return Transact(e.tenant_id, [&](SqliteConnection& db) -> Status {
    ASSIGN_OR_RETURN(auto upsert, db.Prepare(
        "INSERT INTO episodes (tenant_id, id, started_at, ended_at, state, segments, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, 'open', 0, ?5) "
        "ON CONFLICT (id) DO UPDATE SET started_at = ?3, ended_at = ?4, updated_at = ?5 WHERE tenant_id = ?1"));
    upsert.Bind(1, e.tenant_id);
    upsert.Bind(2, e.id);
    upsert.Bind(3, FormatRfc3339(e.started_at));
    upsert.Bind(4, FormatRfc3339(e.ended_at));
    upsert.Bind(5, FormatRfc3339(clock_.Now()));
    RETURN_IF_ERROR(upsert.Run());
    for (const auto& segment : segments) {
      ASSIGN_OR_RETURN(auto assign, db.Prepare(
          "UPDATE segments SET episode_id = ? WHERE tenant_id = ? AND recording_id = ? AND seq = ?"));
      assign.Bind(1, e.id);
      assign.Bind(2, e.tenant_id);
      assign.Bind(3, segment.recording_id);
      assign.Bind(4, static_cast<int64_t>(segment.seq));
      RETURN_IF_ERROR(assign.Run());
    }
    ASSIGN_OR_RETURN(auto count, db.Prepare(
        "UPDATE episodes SET segments = (SELECT count(*) FROM segments WHERE tenant_id = ?1 AND episode_id = ?2) "
        "WHERE tenant_id = ?1 AND id = ?2"));
    count.Bind(1, e.tenant_id);
    count.Bind(2, e.id);
    RETURN_IF_ERROR(count.Run());
    return Status::Ok();
  });
}

Result<std::vector<Episode>> SqliteDatabase::ListOpenEpisodesQuietSince(const std::string& tenant_id,
                                                                         TimePoint cutoff) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kEpisodeColumns +
                                           " FROM episodes WHERE tenant_id = ?1 AND state = 'open' AND ended_at < ?2 "
                                           "AND updated_at < ?2 ORDER BY ended_at"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, FormatRfc3339(cutoff));
  return ReadRows(stmt, [](const SqliteRow& row) { return ReadEpisode(row); });
}

Result<std::optional<TimePoint>> SqliteDatabase::EarliestUnfinishedCapture(const std::string& tenant_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "SELECT min(captured_at) FROM recordings WHERE tenant_id = ? AND status IN ('queued', 'processing')"));
  stmt.Bind(1, tenant_id);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.ColumnIsNull(0)) return std::optional<TimePoint>();
  return std::optional<TimePoint>(ParseStoredTime(stmt.ColumnText(0)));
}

Status SqliteDatabase::CloseEpisode(const std::string& tenant_id, const std::string& episode_id, TimePoint closed_at) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      "UPDATE episodes SET state = 'closed', closed_at = ? WHERE tenant_id = ? AND id = ? AND state = 'open'"));
  stmt.Bind(1, FormatRfc3339(closed_at));
  stmt.Bind(2, tenant_id);
  stmt.Bind(3, episode_id);
  return stmt.Run();
}

Result<Page<Episode>> SqliteDatabase::ListEpisodes(const std::string& tenant_id, const TimeRange& range, int limit,
                                                   const std::string& cursor) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      std::string("SELECT ") + kEpisodeColumns +
      " FROM episodes WHERE tenant_id = ?1 AND (?2 IS NULL OR ended_at >= ?2) AND (?3 IS NULL OR started_at < ?3) "
      "AND (?4 IS NULL OR started_at < ?4 OR (started_at = ?4 AND id < ?5)) "
      "ORDER BY started_at DESC, id DESC LIMIT ?6"));
  stmt.Bind(1, tenant_id);
  BindRange(stmt, 2, range);
  RETURN_IF_ERROR(BindAfter(stmt, 4, cursor));
  stmt.Bind(6, FetchLimit(limit));
  Page<Episode> page;
  ASSIGN_OR_RETURN(page.items, ReadRows(stmt, [](const SqliteRow& row) { return ReadEpisode(row); }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor(FormatRfc3339(last.started_at), last.id); });
}

Result<std::optional<Episode>> SqliteDatabase::GetEpisode(const std::string& tenant_id, const std::string& id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kEpisodeColumns +
                                           " FROM episodes WHERE tenant_id = ? AND id = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, id);
  return ReadOne(stmt, [](const SqliteRow& row) { return ReadEpisode(row); });
}

Result<std::vector<EpisodeSegment>> SqliteDatabase::GetEpisodeSegments(const std::string& tenant_id,
                                                                      const std::string& episode_id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT recording_id, ") + kSegmentColumns +
                                           " FROM segments WHERE tenant_id = ? AND episode_id = ? "
                                           "ORDER BY captured_at, recording_id, seq"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, episode_id);
  return ReadRows(stmt, [](const SqliteRow& row) { return EpisodeSegment{row.Text(0), ReadSegment(row, 1)}; });
}

Result<std::vector<Episode>> SqliteDatabase::ListEpisodesToEnrich(const std::string& tenant_id, int limit) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kEpisodeColumns +
                                           " FROM episodes WHERE tenant_id = ? AND state = 'closed' AND "
                                           "enriched_at IS NULL ORDER BY started_at, id LIMIT ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, static_cast<int64_t>(limit));
  return ReadRows(stmt, [](const SqliteRow& row) { return ReadEpisode(row); });
}

namespace {
Status InsertOrReplaceInsight(SqliteConnection& db, const Insight& i) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(
      std::string("INSERT INTO insights (") + kInsightColumns + ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) "
      "ON CONFLICT (id) DO UPDATE SET scope = ?3, episode_id = ?4, kind = ?5, state = ?6, dedup_key = ?7, at = ?8, "
      "due_date = ?9, body = ?10, updated_at = ?11 WHERE tenant_id = ?1"));
  stmt.Bind(1, i.tenant_id);
  stmt.Bind(2, i.id);
  stmt.Bind(3, ToString(i.scope));
  stmt.Bind(4, NullIfEmpty(i.episode_id));
  stmt.Bind(5, ToString(i.kind));
  stmt.Bind(6, ToString(i.state));
  stmt.Bind(7, i.dedup_key);
  stmt.Bind(8, FormatRfc3339(i.at));
  stmt.Bind(9, i.due_date);
  stmt.Bind(10, i.body);
  stmt.Bind(11, FormatRfc3339(i.updated_at));
  Status s = stmt.Run();
  if (!s.ok() && s.message().find("UNIQUE") != std::string::npos) {
    return Status(ErrorCode::kConflict, "duplicate_insight", "another " + std::string(ToString(i.kind)) + " entry says the same");
  }
  return s;
}
}  // namespace

Status SqliteDatabase::StoreEnrichment(const std::string& tenant_id, const std::string& episode_id,
                                       const std::vector<Insight>& insights, TimePoint enriched_at) {
  return Transact(tenant_id, [&](SqliteConnection& db) -> Status {
    ASSIGN_OR_RETURN(auto clear, db.Prepare("DELETE FROM insights WHERE tenant_id = ? AND scope = 'episode' AND episode_id = ?"));
    clear.Bind(1, tenant_id);
    clear.Bind(2, episode_id);
    RETURN_IF_ERROR(clear.Run());
    for (const Insight& insight : insights) {
      if (insight.tenant_id != tenant_id) return InvalidArgument("an insight of another tenant");
      RETURN_IF_ERROR(InsertOrReplaceInsight(db, insight));
    }
    ASSIGN_OR_RETURN(auto mark, db.Prepare("UPDATE episodes SET enriched_at = ? WHERE tenant_id = ? AND id = ?"));
    mark.Bind(1, FormatRfc3339(enriched_at));
    mark.Bind(2, tenant_id);
    mark.Bind(3, episode_id);
    RETURN_IF_ERROR(mark.Run());
    return Status::Ok();
  });
}

Result<Page<Insight>> SqliteDatabase::ListInsights(const std::string& tenant_id, const InsightFilter& f, int limit,
                                                   const std::string& cursor) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(
      std::string("SELECT ") + kInsightColumns +
      " FROM insights WHERE tenant_id = ?1 AND (?2 = '' OR scope = ?2) AND (?3 = '' OR kind = ?3) "
      "AND (?4 = '' OR episode_id = ?4) AND (?5 = '' OR state = ?5) AND (?6 IS NULL OR at >= ?6) "
      "AND (?7 IS NULL OR at < ?7) AND (?8 IS NULL OR at < ?8 OR (at = ?8 AND id < ?9)) "
      "ORDER BY at DESC, id DESC LIMIT ?10"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, f.scope ? ToString(*f.scope) : "");
  stmt.Bind(3, f.kind ? ToString(*f.kind) : "");
  stmt.Bind(4, f.episode_id);
  stmt.Bind(5, f.state ? ToString(*f.state) : "");
  BindRange(stmt, 6, f.range);
  RETURN_IF_ERROR(BindAfter(stmt, 8, cursor));
  stmt.Bind(10, FetchLimit(limit));
  Page<Insight> page;
  ASSIGN_OR_RETURN(page.items, ReadRows(stmt, [](const SqliteRow& row) { return ReadInsight(row); }));
  return FinishPage(std::move(page), limit, [](const auto& last) { return EncodeKeysetCursor(FormatRfc3339(last.at), last.id); });
}

Result<std::optional<Insight>> SqliteDatabase::GetInsight(const std::string& tenant_id, const std::string& id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kInsightColumns +
                                           " FROM insights WHERE tenant_id = ? AND id = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, id);
  return ReadOne(stmt, [](const SqliteRow& row) { return ReadInsight(row); });
}

Result<std::optional<Insight>> SqliteDatabase::FindInsightByKey(const std::string& tenant_id, InsightScope scope,
                                                               InsightKind kind, const std::string& dedup_key) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string("SELECT ") + kInsightColumns +
                                           " FROM insights WHERE tenant_id = ? AND scope = ? AND kind = ? AND "
                                           "dedup_key = ? AND dedup_key <> ''"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, ToString(scope));
  stmt.Bind(3, ToString(kind));
  stmt.Bind(4, dedup_key);
  return ReadOne(stmt, [](const SqliteRow& row) { return ReadInsight(row); });
}

Status SqliteDatabase::PutInsight(const Insight& insight) {
  return Transact(insight.tenant_id, [&](SqliteConnection& db) -> Status {
    // The id may not move between tenants.
    ASSIGN_OR_RETURN(auto owner, db.Prepare("SELECT tenant_id FROM insights WHERE id = ?"));
    owner.Bind(1, insight.id);
    ASSIGN_OR_RETURN(bool exists, owner.Step());
    if (exists && owner.ColumnText(0) != insight.tenant_id) return NotFound("no insight " + insight.id, "insight_not_found");
    RETURN_IF_ERROR(InsertOrReplaceInsight(db, insight));
    return Status::Ok();
  });
}

Status SqliteDatabase::DeleteInsight(const std::string& tenant_id, const std::string& id) {
  MutexLock lock(mutex_);
  ASSIGN_OR_RETURN(auto stmt, db_->Prepare("DELETE FROM insights WHERE tenant_id = ? AND id = ?"));
  stmt.Bind(1, tenant_id);
  stmt.Bind(2, id);
  RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() == 0) return NotFound("no insight " + id, "insight_not_found");
  return Status::Ok();
}

}  // namespace reflexio
