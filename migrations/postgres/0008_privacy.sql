-- Encryption at rest. Each tenant's data key, wrapped by the master key (isolated by tenant
-- like every other table); and full-text search over blind-index tokens (keyed hashes of word
-- stems) instead of transcript text, which is now stored sealed.
CREATE TABLE tenant_keys (
  tenant_id      text PRIMARY KEY REFERENCES tenants(id),
  master_key_id  text NOT NULL,
  wrapped        bytea NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
SELECT isolate_tenant_table('tenant_keys');
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_keys TO reflexio_app;

ALTER TABLE segments DROP COLUMN search;
ALTER TABLE segments ADD COLUMN index_terms text NOT NULL DEFAULT '';
ALTER TABLE segments ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', index_terms)) STORED;
CREATE INDEX segments_search ON segments USING gin (search);
