// Retention: deleting what a tenant's policy says has been kept long enough.
//
// Per tenant, with its settings over the server's defaults: audio older than
// audio_retention_hours is removed from the blob store and the recording forgets it (the
// transcript stays); recordings older than transcript_retention_days go whole — segments (and so
// their search-index entries), jobs, the row, and any object still stored for them. Ages count
// from the capture time. Only finished (transcribed or failed) recordings are touched. Digests
// dated more than digest_retention_days before today (UTC) go too.
//
// A dry run lists exactly what a real run would delete and deletes nothing. A real run counts
// what went in the metrics and writes one audit entry per tenant it changed. Thread-compatible:
// one Run at a time (the scheduler's leader runs it).
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/metrics.h"
#include "core/time.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace reflexio {

struct RetentionPolicy {
  int audio_retention_hours = 24;
  int transcript_retention_days = 90;
  int digest_retention_days = 365;
  static RetentionPolicy Defaults(const Config& config);
  RetentionPolicy For(const TenantSettings& settings) const;  // the tenant's overrides applied
};

struct RetentionAction {
  std::string tenant_id;
  std::string recording_id;
  std::string what;  // "audio" (the recording keeps its transcript) | "recording" (everything) | "digest"
  TimePoint captured_at{};
  std::vector<std::string> blob_keys;
  std::string digest_date;  // for "digest"
};

struct RetentionReport {
  std::vector<RetentionAction> actions;
  int64_t audio_deleted = 0;
  int64_t recordings_deleted = 0;
  int64_t blobs_deleted = 0;
  int64_t digests_deleted = 0;
};

class RetentionSweeper {
 public:
  // metrics may be null (the CLI).
  RetentionSweeper(const Stores& stores, BlobStore& blobs, RetentionPolicy defaults, Metrics* metrics,
                   const Clock& clock = SystemClock::Instance())
      : stores_(stores), blobs_(blobs), defaults_(defaults), metrics_(metrics), clock_(clock) {}

  Result<RetentionReport> Run(bool dry_run);
  // One tenant's sweep (GET /v1/privacy/retention asks for a dry run of its own).
  Result<RetentionReport> RunForTenant(const Tenant& tenant, bool dry_run);

 private:
  Status SweepTenant(const Tenant& tenant, bool dry_run, RetentionReport& report);

  Stores stores_;
  BlobStore& blobs_;
  RetentionPolicy defaults_;
  Metrics* metrics_;
  const Clock& clock_;
};

}  // namespace reflexio
