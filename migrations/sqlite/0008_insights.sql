-- What understanding concluded (enrichment findings, session and core memory), with evidence,
-- method and confidence inside the sealed body.
CREATE TABLE insights (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  id          TEXT PRIMARY KEY,
  scope       TEXT NOT NULL CHECK (scope IN ('episode', 'core')),
  episode_id  TEXT,
  kind        TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT '',
  dedup_key   TEXT NOT NULL DEFAULT '',
  at          TEXT NOT NULL,
  due_date    TEXT,
  body        TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX insights_by_time ON insights (tenant_id, at DESC, id DESC);
CREATE INDEX insights_by_episode ON insights (tenant_id, episode_id);
CREATE UNIQUE INDEX insights_by_key ON insights (tenant_id, scope, kind, dedup_key) WHERE dedup_key <> '';
ALTER TABLE episodes ADD COLUMN enriched_at TEXT;
