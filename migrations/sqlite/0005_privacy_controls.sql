-- The person's privacy controls (retention overrides, training opt-out, PII mode) and the
-- audit log of what happened to their data.
CREATE TABLE tenant_settings (
  tenant_id                  TEXT PRIMARY KEY REFERENCES tenants(id),
  audio_retention_hours      INTEGER,
  transcript_retention_days  INTEGER,
  digest_retention_days      INTEGER,
  opt_out_training           INTEGER NOT NULL DEFAULT 0,
  pii_mode                   TEXT CHECK (pii_mode IN ('audit', 'mask', 'strict')),
  updated_at                 TEXT NOT NULL
);

CREATE TABLE audit_log (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  id         TEXT PRIMARY KEY,
  at         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  detail     TEXT NOT NULL
);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id DESC);
CREATE INDEX recordings_finished ON recordings (tenant_id, status, captured_at);
