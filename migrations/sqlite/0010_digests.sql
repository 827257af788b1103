-- Daily digests, one per tenant and local date, with the fingerprint of what they were built
-- from (a changed fingerprint means stale). The contents are sealed by the application.
CREATE TABLE digests (
  tenant_id    TEXT NOT NULL REFERENCES tenants(id),
  date         TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('generating', 'ready', 'failed')),
  inputs_hash  TEXT NOT NULL DEFAULT '',
  content_json TEXT NOT NULL DEFAULT '',
  markdown     TEXT NOT NULL DEFAULT '',
  pdf          TEXT NOT NULL DEFAULT '',
  error        TEXT NOT NULL DEFAULT '',
  lease_until  TEXT,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (tenant_id, date)
);
