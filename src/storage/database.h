// Database: a storage backend, which is every role at once (SqliteDatabase, PostgresDatabase).
// Nothing outside src/storage and the process wiring (app/) holds one: consumers take only the
// roles they use, and the server's roles come from Stores — where those that hold what people
// said (transcripts, insights, digests, the outbox) are the sealing decorators of
// privacy/sealed_stores.h over the backend's.
//
// Every call that touches tenant data takes the tenant id and can only see that tenant's rows;
// another tenant's object is reported as not found. Backends are thread-safe. Multi-step changes
// that must not be half-done (a recording with its job; a transcript with its job's completion)
// are single calls.
#pragma once

#include "storage/billing_ledger.h"
#include "storage/delivery_outbox.h"
#include "storage/digest_store.h"
#include "storage/episode_store.h"
#include "storage/insight_store.h"
#include "storage/job_queue.h"
#include "storage/privacy_ledger.h"
#include "storage/recording_store.h"
#include "storage/referral_book.h"
#include "storage/session_book.h"
#include "storage/tenant_directory.h"
#include "storage/tenant_key_store.h"
#include "storage/transcript_store.h"
#include "storage/usage_ledger.h"

namespace reflexio {

class Database : public TenantDirectory,
                 public TenantKeyStore,
                 public RecordingStore,
                 public JobQueue,
                 public TranscriptStore,
                 public EpisodeStore,
                 public InsightStore,
                 public DigestStore,
                 public DeliveryOutbox,
                 public PrivacyLedger,
                 public UsageLedger,
                 public BillingLedger,
                 public ReferralBook,
                 public SessionBook {
 public:
  ~Database() override = default;
};

// The roles a process works with, each possibly from a different object. Copyable; it refers to
// the objects, which must outlive it.
struct Stores {
  TenantDirectory& tenants;
  TenantKeyStore& keys;
  RecordingStore& recordings;
  JobQueue& jobs;
  TranscriptStore& transcripts;
  EpisodeStore& episodes;
  InsightStore& insights;
  DigestStore& digests;
  DeliveryOutbox& outbox;
  PrivacyLedger& privacy;
  UsageLedger& usage;
  BillingLedger& billing;
  ReferralBook& referrals;
  SessionBook& sessions;
};

// Every role straight from one backend, nothing sealed: for storage's own tests and tools that
// read only what is stored in the clear.
Stores PlainStores(Database& db);

}  // namespace reflexio
