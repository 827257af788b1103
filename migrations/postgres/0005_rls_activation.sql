-- Row-level security on every table that holds a tenant's data, forced even for the owner.
-- A row is visible and writable only when its tenant_id equals the transaction's tenant
-- (SET LOCAL app.tenant_id); with no tenant set, current_setting(…, true) is NULL and nothing
-- matches. No policy admits every row.
-- Later migrations call isolate_tenant_table() for each table they add.
CREATE FUNCTION isolate_tenant_table(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true)) '
                 'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
END $$;
REVOKE ALL ON FUNCTION isolate_tenant_table(text) FROM PUBLIC;

SELECT isolate_tenant_table(c.table_name) FROM information_schema.columns c
JOIN information_schema.tables tb ON tb.table_name = c.table_name AND tb.table_schema = c.table_schema
WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND tb.table_type = 'BASE TABLE';

-- Authentication happens before the tenant is known: a key's row is readable by whoever
-- presents its hash (which only the key's holder can compute).
CREATE POLICY key_lookup ON api_keys FOR SELECT
  USING (key_hash = current_setting('app.key_hash', true));
