-- Conversations: segments grouped while the gaps between them stay short (capture time).
CREATE TABLE episodes (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  id          TEXT PRIMARY KEY,
  started_at  TEXT NOT NULL,
  ended_at    TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('open', 'closed')),
  segments    INTEGER NOT NULL DEFAULT 0,
  closed_at   TEXT,
  updated_at  TEXT NOT NULL  -- when segments last joined (arrival time, not capture time)
);
CREATE INDEX episodes_by_start ON episodes (tenant_id, started_at DESC, id DESC);
CREATE INDEX episodes_open ON episodes (tenant_id, state, ended_at);
ALTER TABLE segments ADD COLUMN episode_id TEXT REFERENCES episodes(id);
CREATE INDEX segments_by_episode ON segments (tenant_id, episode_id, captured_at);
