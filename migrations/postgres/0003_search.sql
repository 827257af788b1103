-- Full-text search over transcript text. The 'simple' configuration lower-cases and splits
-- words without stemming, in every language, matching what the SQLite backend's FTS5 does.
ALTER TABLE segments ADD COLUMN search tsvector
  GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;
CREATE INDEX segments_search ON segments USING gin (search);
