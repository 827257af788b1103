-- Encryption at rest. Each tenant's data key, wrapped by the master key; and a full-text index
-- over blind-index tokens (keyed hashes of word stems) instead of transcript text, which is
-- now stored sealed.
CREATE TABLE tenant_keys (
  tenant_id      TEXT PRIMARY KEY REFERENCES tenants(id),
  master_key_id  TEXT NOT NULL,
  wrapped_hex    TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);

DROP TRIGGER segments_fts_insert;
DROP TRIGGER segments_fts_delete;
DROP TRIGGER segments_fts_update;
DROP TABLE segments_fts;
ALTER TABLE segments ADD COLUMN index_terms TEXT NOT NULL DEFAULT '';

CREATE VIRTUAL TABLE segments_fts USING fts5(
  index_terms, content='segments', content_rowid='rowid', tokenize='ascii'
);
CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments BEGIN
  INSERT INTO segments_fts(rowid, index_terms) VALUES (new.rowid, new.index_terms);
END;
CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN
  INSERT INTO segments_fts(segments_fts, rowid, index_terms) VALUES ('delete', old.rowid, old.index_terms);
END;
CREATE TRIGGER segments_fts_update AFTER UPDATE OF index_terms ON segments BEGIN
  INSERT INTO segments_fts(segments_fts, rowid, index_terms) VALUES ('delete', old.rowid, old.index_terms);
  INSERT INTO segments_fts(rowid, index_terms) VALUES (new.rowid, new.index_terms);
END;
