-- Tenants, their API keys, recordings, transcript segments and the job queue.
-- Every row of tenant data carries tenant_id; times are RFC 3339 UTC text (sortable),
-- queue times are Unix seconds (for arithmetic).

CREATE TABLE tenants (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL
);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  key_hash    TEXT NOT NULL UNIQUE,
  prefix      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);

CREATE TABLE recordings (
  tenant_id        TEXT NOT NULL REFERENCES tenants(id),
  id               TEXT NOT NULL PRIMARY KEY,
  status           TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'transcribed', 'failed')),
  error            TEXT,
  content_type     TEXT NOT NULL,
  original_bytes   INTEGER NOT NULL,
  body_sha256      TEXT NOT NULL,
  idempotency_key  TEXT,
  captured_at      TEXT NOT NULL,
  received_at      TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  duration_s       REAL,
  speech_s         REAL,
  source_path      TEXT,
  audio_path       TEXT,
  engine           TEXT,
  language         TEXT,
  UNIQUE (tenant_id, idempotency_key)
);

CREATE TABLE segments (
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  recording_id  TEXT NOT NULL REFERENCES recordings(id),
  seq           INTEGER NOT NULL,
  start_s       REAL NOT NULL,
  end_s         REAL NOT NULL,
  captured_at   TEXT NOT NULL,
  text          TEXT NOT NULL,
  words_json    TEXT NOT NULL,
  engine        TEXT NOT NULL,
  language      TEXT NOT NULL,
  UNIQUE (recording_id, seq)
);

CREATE VIRTUAL TABLE segments_fts USING fts5(
  text, content='segments', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments BEGIN
  INSERT INTO segments_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN
  INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER segments_fts_update AFTER UPDATE OF text ON segments BEGIN
  INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  INSERT INTO segments_fts(rowid, text) VALUES (new.rowid, new.text);
END;

CREATE TABLE jobs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  recording_id  TEXT NOT NULL REFERENCES recordings(id),
  kind          TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  max_attempts  INTEGER NOT NULL,
  run_after     REAL NOT NULL,
  lease_owner   TEXT,
  lease_until   REAL,
  last_error    TEXT,
  created_at    REAL NOT NULL,
  updated_at    REAL NOT NULL
);
