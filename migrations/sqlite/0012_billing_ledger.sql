-- The billing ledger, twin of PostgreSQL's 0006_billing and 0016_billing_ledger: a tenant's
-- subscription as reconciled from Stripe's events, the speech charged once per recording to the
-- local day it was received on, and bonus minutes granted once per reason. None of it holds
-- anything a person said, and it outlives an erasure.
CREATE TABLE subscriptions (
  tenant_id            TEXT PRIMARY KEY REFERENCES tenants(id),
  plan_id              TEXT NOT NULL,
  status               TEXT NOT NULL,
  stripe_customer      TEXT NOT NULL DEFAULT '',
  stripe_subscription  TEXT NOT NULL DEFAULT '',
  current_period_end   TEXT,
  cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
  grace_until          TEXT,
  synced_at            TEXT NOT NULL,
  updated_at           TEXT NOT NULL
);
CREATE UNIQUE INDEX subscriptions_by_customer ON subscriptions (stripe_customer) WHERE stripe_customer <> '';

CREATE TABLE stripe_events (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  created     TEXT NOT NULL,
  handled_at  TEXT NOT NULL
);
CREATE INDEX stripe_events_by_tenant ON stripe_events (tenant_id, handled_at);

CREATE TABLE speech_charges (
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  recording_id  TEXT NOT NULL,
  day           TEXT NOT NULL,
  speech_s      REAL NOT NULL,
  allowance_s   REAL,
  bonus_s       REAL NOT NULL,
  over_s        REAL NOT NULL,
  charged_at    TEXT NOT NULL,
  PRIMARY KEY (tenant_id, recording_id)
);
CREATE INDEX speech_charges_by_day ON speech_charges (tenant_id, day);

CREATE TABLE bonus_grants (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  reason      TEXT NOT NULL,
  seconds     REAL NOT NULL,
  granted_at  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, reason)
);

-- Keys of the operator (admin routes), never of a tenant; only their SHA-256 is kept.
CREATE TABLE operator_keys (
  id          TEXT PRIMARY KEY,
  key_hash    TEXT NOT NULL UNIQUE,
  prefix      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);

CREATE INDEX recordings_by_receipt ON recordings (tenant_id, received_at);

-- Referrals, twin of PostgreSQL's 0007 and 0016: one code per tenant; a redemption is its
-- redeemer's row (one code per new tenant) naming the referrer, counted once the redeemer has
-- spoken enough.
CREATE TABLE referral_codes (
  tenant_id   TEXT NOT NULL UNIQUE REFERENCES tenants(id),
  code        TEXT PRIMARY KEY,
  created_at  TEXT NOT NULL
);
CREATE TABLE referral_redemptions (
  tenant_id    TEXT PRIMARY KEY REFERENCES tenants(id),
  code         TEXT NOT NULL REFERENCES referral_codes(code),
  referrer_id  TEXT NOT NULL REFERENCES tenants(id),
  redeemed_at  TEXT NOT NULL,
  counted_at   TEXT,
  CHECK (referrer_id <> tenant_id)
);
CREATE INDEX referral_redemptions_by_referrer ON referral_redemptions (referrer_id);
