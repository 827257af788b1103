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

-- Keys of the operator (admin routes: conversion figures), never of a tenant. Only their SHA-256
-- is kept. Not tenant data, so outside row-level security, like the migration ledger.
CREATE TABLE operator_keys (
  id          text PRIMARY KEY,
  key_hash    text NOT NULL UNIQUE,
  prefix      text NOT NULL,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
GRANT SELECT, INSERT ON operator_keys TO reflexio_app;

-- Uncharged recordings are looked for among the recently received.
CREATE INDEX recordings_by_receipt ON recordings (tenant_id, received_at);

GRANT SELECT, INSERT, UPDATE ON subscriptions TO reflexio_app;
GRANT SELECT, INSERT ON stripe_events, speech_charges, bonus_grants TO reflexio_app;
SELECT isolate_tenant_table(t) FROM unnest(ARRAY['subscriptions', 'stripe_events', 'speech_charges', 'bonus_grants']) AS t;

-- Referrals: one code per tenant; a redemption is its redeemer's row (one code per new tenant)
-- naming the referrer, counted once the redeemer has spoken enough (nothing used 0007's shape).
DROP TABLE referral_redemptions;
CREATE UNIQUE INDEX referral_codes_one_per_tenant ON referral_codes (tenant_id);
CREATE TABLE referral_redemptions (
  tenant_id    text PRIMARY KEY REFERENCES tenants(id),
  code         text NOT NULL REFERENCES referral_codes(code),
  referrer_id  text NOT NULL REFERENCES tenants(id),
  redeemed_at  timestamptz NOT NULL,
  counted_at   timestamptz,
  CHECK (referrer_id <> tenant_id)
);
-- Counted per referrer, across tenants, by referral_counts() below.
CREATE INDEX referral_redemptions_by_referrer ON referral_redemptions (referrer_id);
GRANT SELECT, INSERT, UPDATE ON referral_redemptions TO reflexio_app;
SELECT isolate_tenant_table('referral_redemptions');

-- reflexio_reports may look across tenants only through the functions below, which return a
-- referrer's id or counts, never another tenant's rows. It cannot log in.
DO $$ BEGIN
  CREATE ROLE reflexio_reports NOLOGIN NOSUPERUSER BYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT USAGE ON SCHEMA public TO reflexio_reports;
GRANT SELECT ON tenants, referral_codes, referral_redemptions, stripe_events, subscriptions, bonus_grants
  TO reflexio_reports;

CREATE FUNCTION referral_code_owner(wanted text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT tenant_id FROM referral_codes WHERE code = wanted;
$$;

CREATE FUNCTION referral_counts(referrer text) RETURNS TABLE (redeemed bigint, counted bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT count(*), count(counted_at) FROM referral_redemptions WHERE referrer_id = referrer;
$$;

-- The operator's figures over [from_s, to_s) (epoch seconds), counts only.
CREATE FUNCTION conversion_stats(from_s double precision, to_s double precision, now_s double precision)
RETURNS TABLE (tenants_created bigint, converted bigint, premium_started bigint, paying_now bigint,
               referrals_redeemed bigint, referrals_counted bigint, referral_bonuses bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  WITH firsts AS (
    SELECT tenant_id, min(created) AS first FROM stripe_events
    WHERE type = 'checkout.session.completed' GROUP BY tenant_id
  ), span AS (SELECT to_timestamp(from_s) AS a, to_timestamp(to_s) AS b, to_timestamp(now_s) AS now)
  SELECT
    (SELECT count(*) FROM tenants, span WHERE created_at >= span.a AND created_at < span.b),
    (SELECT count(*) FROM tenants t JOIN firsts f ON f.tenant_id = t.id, span
     WHERE t.created_at >= span.a AND t.created_at < span.b),
    (SELECT count(*) FROM firsts, span WHERE first >= span.a AND first < span.b),
    (SELECT count(*) FROM subscriptions, span
     WHERE (status IN ('active', 'trialing') AND (current_period_end IS NULL OR current_period_end > span.now))
        OR (status = 'past_due' AND grace_until > span.now)),
    (SELECT count(*) FROM referral_redemptions, span WHERE redeemed_at >= span.a AND redeemed_at < span.b),
    (SELECT count(counted_at) FROM referral_redemptions, span WHERE redeemed_at >= span.a AND redeemed_at < span.b),
    (SELECT count(*) FROM bonus_grants, span
     WHERE reason = 'referral_bonus' AND granted_at >= span.a AND granted_at < span.b);
$$;

ALTER FUNCTION referral_code_owner(text) OWNER TO reflexio_reports;
ALTER FUNCTION referral_counts(text) OWNER TO reflexio_reports;
ALTER FUNCTION conversion_stats(double precision, double precision, double precision) OWNER TO reflexio_reports;
REVOKE ALL ON FUNCTION referral_code_owner(text), referral_counts(text),
  conversion_stats(double precision, double precision, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION referral_code_owner(text), referral_counts(text),
  conversion_stats(double precision, double precision, double precision) TO reflexio_app;
