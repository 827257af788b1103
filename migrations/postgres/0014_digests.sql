-- Daily digests, one per tenant and local date, with the fingerprint of what they were built
-- from (a changed fingerprint means stale). The contents are sealed by the application.
CREATE TABLE digests (
  tenant_id    text NOT NULL REFERENCES tenants(id),
  date         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('generating', 'ready', 'failed')),
  inputs_hash  text NOT NULL DEFAULT '',
  content_json text NOT NULL DEFAULT '',
  markdown     text NOT NULL DEFAULT '',
  pdf          text NOT NULL DEFAULT '',
  error        text NOT NULL DEFAULT '',
  lease_until  timestamptz,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, date)
);
SELECT isolate_tenant_table('digests');
GRANT SELECT, INSERT, UPDATE, DELETE ON digests TO reflexio_app;
