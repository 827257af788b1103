// The person's controls over their data (`/v1/privacy/…`): settings, export, erasure, and the
// audit log that records each of them.
//
// Export gathers everything stored for the tenant — recordings, transcripts with word times,
// the audio still kept, settings and the audit log — decrypted, into one tar archive. Erase
// deletes every row of the tenant's data and, in the same transaction, its data key
// (crypto-shredding: a copy of a sealed object or row left in a backup can no longer be
// opened), then removes the stored objects. The tenant, its API keys and its audit log remain,
// so the person can see that the erasure happened. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/time.h"
#include "storage/blob_store.h"
#include "privacy/keyring.h"
#include "storage/database.h"

namespace reflexio {

// A tenant's settings with the server's defaults filled in, as the API shows them.
struct EffectiveSettings {
  int audio_retention_hours = 0;
  int transcript_retention_days = 0;
  int digest_retention_days = 0;
  bool opt_out_training = false;
  std::string pii_mode;
  TenantSettings stored;  // what the tenant set itself
};

struct EraseReport {
  int64_t recordings_deleted = 0;
  int64_t objects_deleted = 0;
};

// How a recording and its transcript look in an export: the API's own JSON shapes, so an export
// reads like the API (given by the API layer, which owns those shapes).
using RecordingView = std::function<nlohmann::json(const Recording&, const std::vector<Segment>&)>;

class PrivacyControls {
 public:
  // `keyring`, when given, forgets an erased tenant's key at once (the stored one is gone anyway).
  // `clock` dates exports.
  PrivacyControls(const Stores& stores, BlobStore& blobs, const Config& config, Keyring* keyring = nullptr,
                  const Clock& clock = SystemClock::Instance())
      : stores_(stores), blobs_(blobs), config_(config), keyring_(keyring), clock_(clock) {}

  Result<EffectiveSettings> Settings(const std::string& tenant_id);
  // Replaces the stored settings; `actor` is "tenant" or "operator" for the audit entry.
  Result<EffectiveSettings> UpdateSettings(const std::string& tenant_id, const TenantSettings& settings,
                                           const std::string& actor);
  // A tar archive: manifest.json, recordings/<id>.json, audio/<id>.opus, audit_log.json.
  Result<std::string> Export(const Tenant& tenant, const RecordingView& view, const std::string& actor);
  Result<EraseReport> Erase(const std::string& tenant_id, const std::string& actor);

 private:
  Result<std::vector<Recording>> AllRecordings(const std::string& tenant_id);

  Stores stores_;
  BlobStore& blobs_;
  const Config& config_;
  Keyring* keyring_;
  const Clock& clock_;
};

}  // namespace reflexio
