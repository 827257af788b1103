-- What understanding concluded (enrichment findings, session and core memory), with evidence,
-- method and confidence inside the sealed body.
CREATE TABLE insights (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  id          text PRIMARY KEY,
  scope       text NOT NULL CHECK (scope IN ('episode', 'core')),
  episode_id  text,
  kind        text NOT NULL,
  state       text NOT NULL DEFAULT '',
  dedup_key   text NOT NULL DEFAULT '',
  at          timestamptz NOT NULL,
  due_date    text,
  body        text NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX insights_by_time ON insights (tenant_id, at DESC, id DESC);
CREATE INDEX insights_by_episode ON insights (tenant_id, episode_id);
CREATE UNIQUE INDEX insights_by_key ON insights (tenant_id, scope, kind, dedup_key) WHERE dedup_key <> '';
ALTER TABLE episodes ADD COLUMN enriched_at timestamptz;
SELECT isolate_tenant_table('insights');
GRANT SELECT, INSERT, UPDATE, DELETE ON insights TO reflexio_app;
