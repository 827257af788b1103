-- Plans, subscriptions and daily usage per tenant (the billing logic comes later).
CREATE TABLE plans (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  daily_free_speech_seconds integer NOT NULL,
  price_cents    integer NOT NULL,
  currency       text NOT NULL
);
GRANT SELECT ON plans TO reflexio_app;

CREATE TABLE subscriptions (
  tenant_id       text NOT NULL REFERENCES tenants(id),
  id              text PRIMARY KEY,
  plan_id         text NOT NULL REFERENCES plans(id),
  status          text NOT NULL,
  stripe_customer text,
  stripe_subscription text,
  current_period_end timestamptz,
  created_at      timestamptz NOT NULL
);

CREATE TABLE usage_daily (
  tenant_id       text NOT NULL REFERENCES tenants(id),
  day             date NOT NULL,
  speech_seconds  double precision NOT NULL DEFAULT 0,
  uploads         integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day)
);
GRANT SELECT, INSERT, UPDATE ON subscriptions, usage_daily TO reflexio_app;

SELECT isolate_tenant_table(t) FROM unnest(ARRAY['subscriptions', 'usage_daily']) AS t;
