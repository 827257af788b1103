-- The billing ledger. Plans live in pricing.json, so the plans table goes; a subscription is one
-- row per tenant, reconciled from Stripe's events (nothing had used the first shape of 0006).
-- Speech is charged once per recording to the local day it was received on; bonus minutes are
-- granted once per reason. None of it holds anything a person said, and it outlives an erasure.
DROP TABLE subscriptions;
DROP TABLE plans;

CREATE TABLE subscriptions (
  tenant_id            text PRIMARY KEY REFERENCES tenants(id),
  plan_id              text NOT NULL,
  status               text NOT NULL,
  stripe_customer      text NOT NULL DEFAULT '',
  stripe_subscription  text NOT NULL DEFAULT '',
  current_period_end   timestamptz,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  grace_until          timestamptz,
  synced_at            timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);
-- A webhook names the customer, not the tenant: the one index not led by tenant_id.
CREATE UNIQUE INDEX subscriptions_by_customer ON subscriptions (stripe_customer) WHERE stripe_customer <> '';

-- Each Stripe event handled, once: ids are Stripe's and unique across tenants.
CREATE TABLE stripe_events (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  id          text PRIMARY KEY,
  type        text NOT NULL,
  created     timestamptz NOT NULL,
  handled_at  timestamptz NOT NULL
);
CREATE INDEX stripe_events_by_tenant ON stripe_events (tenant_id, handled_at);

CREATE TABLE speech_charges (
  tenant_id     text NOT NULL REFERENCES tenants(id),
  recording_id  text NOT NULL,
  day           date NOT NULL,
  speech_s      double precision NOT NULL,
  allowance_s   double precision,
  bonus_s       double precision NOT NULL,
  over_s        double precision NOT NULL,
  charged_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, recording_id)
);
CREATE INDEX speech_charges_by_day ON speech_charges (tenant_id, day);

CREATE TABLE bonus_grants (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  reason      text NOT NULL,
  seconds     double precision NOT NULL,
  granted_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, reason)
);

-- Uncharged recordings are looked for among the recently received.
CREATE INDEX recordings_by_receipt ON recordings (tenant_id, received_at);

GRANT SELECT, INSERT, UPDATE ON subscriptions TO reflexio_app;
GRANT SELECT, INSERT ON stripe_events, speech_charges, bonus_grants TO reflexio_app;
SELECT isolate_tenant_table(t) FROM unnest(ARRAY['subscriptions', 'stripe_events', 'speech_charges', 'bonus_grants']) AS t;
