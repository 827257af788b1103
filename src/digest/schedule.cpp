#include "digest/schedule.h"

#include "core/local_time.h"
#include "core/log.h"

namespace reflexio {

Result<std::vector<std::string>> DigestSchedule::DueDates(TimePoint now, const std::string& zone,
                                                          const std::string& digest_time, int catch_up_days) {
  ASSIGN_OR_RETURN(std::string today, LocalDate(now, zone));
  ASSIGN_OR_RETURN(TimePoint due_today, LocalClockTime(today, digest_time, zone));
  std::vector<std::string> dates;
  for (int back = catch_up_days; back >= 1; --back) dates.push_back(AddDays(today, -back));
  if (now >= due_today) dates.push_back(today);
  return dates;
}

Result<DigestRoundReport> DigestSchedule::Run() {
  DigestRoundReport report;
  ASSIGN_OR_RETURN(auto tenants, stores_.tenants.ListTenants());
  TimePoint now = clock_.Now();
  for (const Tenant& tenant : tenants) {
    ASSIGN_OR_RETURN(std::string zone, service_.TimeZoneOf(tenant.id));
    ASSIGN_OR_RETURN(std::string digest_time, service_.DigestTimeOf(tenant.id));
    ASSIGN_OR_RETURN(auto dates, DueDates(now, zone, digest_time));
    ASSIGN_OR_RETURN(std::string today, LocalDate(now, zone));
    for (const std::string& date : dates) {
      ASSIGN_OR_RETURN(auto issued, stores_.outbox.GetDelivery(tenant.id, date, DeliveryOrigin::kSchedule));
      if (issued) continue;
      ASSIGN_OR_RETURN(LocalDayBounds bounds, LocalDay(date, zone));
      if (date != today) {
        // Catching up: only days something was recorded on (a new tenant has no missed days).
        ASSIGN_OR_RETURN(auto recorded, stores_.recordings.ListRecordings(tenant.id, {bounds.start, bounds.end}, 1, ""));
        if (recorded.items.empty()) continue;
      }
      ASSIGN_OR_RETURN(auto unfinished, stores_.episodes.EarliestUnfinishedCapture(tenant.id));
      if (unfinished && *unfinished < bounds.end) {
        ++report.waiting;  // the queue always ends (transcribed or failed), so this does too
        continue;
      }
      // Transcribed but not yet in a conversation (grouping runs each round, before this): the
      // digest would miss the conversation and be rebuilt once it is grouped, after it was sent.
      ASSIGN_OR_RETURN(auto ungrouped, stores_.episodes.ListUnassignedSegments(tenant.id, 1));
      if (!ungrouped.empty() && ungrouped.front().captured_at < bounds.end) {
        ++report.waiting;
        continue;
      }
      auto built = service_.Fresh(tenant.id, date);
      if (DigestService::IsBuilding(built.status())) {
        ++report.waiting;  // another process is building it; the next run sends it
        continue;
      }
      if (!built.ok()) {
        ++report.failed;
        LOG_WARN("digest of " << date << " for tenant " << tenant.id << " failed: " << built.status().message());
        continue;
      }
      auto queued = outbox_.Enqueue(*built, DeliveryOrigin::kSchedule, /*replace=*/false);
      if (!queued.ok() && queued.status().code() != ErrorCode::kConflict) {
        ++report.failed;
        LOG_WARN("digest of " << date << " for tenant " << tenant.id
                              << " could not enter the outbox: " << queued.status().message());
        continue;
      }
      ++report.built;
      LOG_INFO("digest of " << date << " built for tenant " << tenant.id << " (" << zone << ")"
                            << (queued.ok() && queued->state == DeliveryState::kSkipped ? "; not sent: " + queued->last_error : ""));
    }
  }
  ASSIGN_OR_RETURN(report.deliveries, outbox_.DeliverDue());
  return report;
}

}  // namespace reflexio
