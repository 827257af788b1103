-- Conversations: segments grouped while the gaps between them stay short (capture time).
CREATE TABLE episodes (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  id          text PRIMARY KEY,
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz NOT NULL,
  state       text NOT NULL CHECK (state IN ('open', 'closed')),
  segments    bigint NOT NULL DEFAULT 0,
  closed_at   timestamptz,
  updated_at  timestamptz NOT NULL  -- when segments last joined (arrival time, not capture time)
);
CREATE INDEX episodes_by_start ON episodes (tenant_id, started_at DESC, id DESC);
CREATE INDEX episodes_open ON episodes (tenant_id, state, ended_at);
ALTER TABLE segments ADD COLUMN episode_id text REFERENCES episodes(id);
CREATE INDEX segments_by_episode ON segments (tenant_id, episode_id, captured_at);
SELECT isolate_tenant_table('episodes');
GRANT SELECT, INSERT, UPDATE, DELETE ON episodes TO reflexio_app;
