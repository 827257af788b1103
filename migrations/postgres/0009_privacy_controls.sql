-- The person's privacy controls (retention overrides, training opt-out, PII mode) and the
-- audit log of what happened to their data; both isolated by tenant.
CREATE TABLE tenant_settings (
  tenant_id                  text PRIMARY KEY REFERENCES tenants(id),
  audio_retention_hours      integer,
  transcript_retention_days  integer,
  digest_retention_days      integer,
  opt_out_training           boolean NOT NULL DEFAULT false,
  pii_mode                   text CHECK (pii_mode IN ('audit', 'mask', 'strict')),
  updated_at                 timestamptz NOT NULL
);

CREATE TABLE audit_log (
  tenant_id  text NOT NULL REFERENCES tenants(id),
  id         text PRIMARY KEY,
  at         timestamptz NOT NULL,
  actor      text NOT NULL,
  action     text NOT NULL,
  detail     jsonb NOT NULL
);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id DESC);
CREATE INDEX recordings_finished ON recordings (tenant_id, status, captured_at);

SELECT isolate_tenant_table('tenant_settings');
SELECT isolate_tenant_table('audit_log');
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_settings TO reflexio_app;
-- The audit log is append-only for the application: nothing it does can rewrite history.
GRANT SELECT, INSERT ON audit_log TO reflexio_app;
GRANT DELETE ON usage_daily, tenant_keys, jobs TO reflexio_app;
