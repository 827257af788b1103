-- Search keys (storage/search_windows.h): a segment's rowid becomes its capture time in whole
-- milliseconds times 1000 plus a slot for segments captured in the same millisecond, so search
-- walks the full-text index newest first and a time range is a range of rowids. Segments stored
-- before are renumbered so (through a map keyed by the old rowid, one lookup a row), and the
-- full-text index is rebuilt over the new rowids.
CREATE TEMP TABLE search_keys (old_rowid INTEGER PRIMARY KEY, new_rowid INTEGER NOT NULL);
INSERT INTO search_keys
  SELECT rowid,
         CAST(round((julianday(captured_at) - 2440587.5) * 86400000.0) AS INTEGER) * 1000
           + row_number() OVER (PARTITION BY captured_at ORDER BY rowid) - 1
  FROM segments;
UPDATE segments SET rowid = (SELECT new_rowid FROM search_keys WHERE old_rowid = segments.rowid);
DROP TABLE search_keys;
INSERT INTO segments_fts(segments_fts) VALUES ('rebuild');
