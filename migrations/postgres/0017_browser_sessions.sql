-- The web app's sign-in links and browser sessions. Only SHA-256 hashes of their secrets are
-- kept. Both are tenant rows under row-level security; like an API key's row, a session is
-- found before its tenant is known, by whoever presents its hash (app.session_hash), and a
-- link is spent by whoever presents its hash (app.link_hash).
CREATE TABLE sign_in_links (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  link_hash   text PRIMARY KEY,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX sign_in_links_by_tenant ON sign_in_links (tenant_id);

CREATE TABLE browser_sessions (
  tenant_id     text NOT NULL REFERENCES tenants(id),
  id            text NOT NULL,
  token_hash    text NOT NULL UNIQUE,
  device        text NOT NULL,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  PRIMARY KEY (tenant_id, id)
);

GRANT SELECT, INSERT, UPDATE ON sign_in_links, browser_sessions TO reflexio_app;
SELECT isolate_tenant_table(t) FROM unnest(ARRAY['sign_in_links', 'browser_sessions']) AS t;

CREATE POLICY session_lookup ON browser_sessions FOR SELECT
  USING (token_hash = current_setting('app.session_hash', true));
CREATE POLICY link_lookup ON sign_in_links FOR SELECT
  USING (link_hash = current_setting('app.link_hash', true));
CREATE POLICY link_spend ON sign_in_links FOR UPDATE
  USING (link_hash = current_setting('app.link_hash', true));
