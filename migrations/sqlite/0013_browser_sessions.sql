-- The web app's sign-in links and browser sessions, twin of PostgreSQL's 0017. Only SHA-256
-- hashes of their secrets are kept. Times are RFC 3339 text, compared in code.
CREATE TABLE sign_in_links (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  link_hash   TEXT PRIMARY KEY,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  used_at     TEXT
);
CREATE INDEX sign_in_links_by_tenant ON sign_in_links (tenant_id);

CREATE TABLE browser_sessions (
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  id            TEXT NOT NULL,
  token_hash    TEXT NOT NULL UNIQUE,
  device        TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  ended_at      TEXT,
  PRIMARY KEY (tenant_id, id)
);
