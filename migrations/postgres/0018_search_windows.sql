-- Search ranks windows of each tenant's newest matches (storage/search_windows.h). A segment's
-- search key is its capture time in whole milliseconds times 1000 plus a slot for the tenant's
-- segments captured in the same millisecond; segments stored before get theirs here.
ALTER TABLE segments ADD COLUMN search_key bigint;
UPDATE segments s SET search_key = k.search_key
FROM (SELECT tenant_id, recording_id, seq,
             floor(extract(epoch FROM captured_at) * 1000)::bigint * 1000
               + row_number() OVER (PARTITION BY tenant_id, floor(extract(epoch FROM captured_at) * 1000)
                                    ORDER BY recording_id, seq) - 1 AS search_key
      FROM segments) k
WHERE s.tenant_id = k.tenant_id AND s.recording_id = k.recording_id AND s.seq = k.seq;
ALTER TABLE segments ALTER COLUMN search_key SET NOT NULL;
CREATE UNIQUE INDEX segments_search_key ON segments (tenant_id, search_key);

-- The newest matches of a token, read in key order from a B-tree: a GIN index hands out every
-- match of a word unordered, so the newest thousand of a word said in one segment in twenty meant
-- reading tens of thousands of rows. One row per distinct token of a segment, kept by a trigger,
-- removed with the segment, carrying the token's weight in it — BM25's term saturation
-- tf / (tf + 1.2 * (0.25 + 0.75 * length / 15)) against a fixed length of 15 words, so a score
-- never changes as other segments arrive — so a window is ranked from the index alone.
CREATE TABLE segment_terms (
  tenant_id  text NOT NULL,
  token      text NOT NULL,
  search_key bigint NOT NULL,
  weight     real NOT NULL,
  PRIMARY KEY (tenant_id, token, search_key) INCLUDE (weight),
  FOREIGN KEY (tenant_id, search_key) REFERENCES segments (tenant_id, search_key) ON DELETE CASCADE
);
SELECT isolate_tenant_table('segment_terms');
CREATE INDEX segment_terms_by_segment ON segment_terms (tenant_id, search_key);

CREATE FUNCTION segment_term_rows(tenant text, key bigint, terms tsvector)
RETURNS TABLE (tenant_id text, token text, search_key bigint, weight real) LANGUAGE sql IMMUTABLE AS $$
  SELECT tenant, t.lexeme, key,
         (cardinality(t.positions) / (cardinality(t.positions)
           + 1.2 * (0.25 + 0.75 * (SELECT sum(cardinality(u.positions)) FROM unnest(terms) u) / 15.0)))::real
  FROM unnest(terms) t
$$;
INSERT INTO segment_terms SELECT r.* FROM segments s, segment_term_rows(s.tenant_id, s.search_key, s.search) r;
DROP INDEX segments_search;

CREATE FUNCTION index_segment_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM segment_terms WHERE tenant_id = OLD.tenant_id AND search_key = OLD.search_key;
  END IF;
  INSERT INTO segment_terms SELECT * FROM segment_term_rows(NEW.tenant_id, NEW.search_key, NEW.search);
  RETURN NULL;
END $$;
CREATE TRIGGER segments_index_terms AFTER INSERT OR UPDATE OF index_terms ON segments
  FOR EACH ROW EXECUTE FUNCTION index_segment_terms();
GRANT SELECT, INSERT, DELETE ON segment_terms TO reflexio_app;

-- Row-level security evaluates its policy before any operator not marked leakproof, which would
-- keep a search from any index on the words. So one window of a search runs in this function,
-- owned by a role that bypasses row-level security and may only read the terms; it reads the
-- tenant from the transaction (app.tenant_id, as the policy does) and never takes one from its
-- caller. Tokens are joined rarest first (by a count capped at 1000), so the rarest drives, and
-- EXECUTE plans each call with its own tokens. A window is the newest `size` segments holding
-- every token with low_key <= search_key <= high_key, scored by the sum of the tokens' weights.
DO $$ BEGIN
  CREATE ROLE reflexio_search NOLOGIN NOSUPERUSER BYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT USAGE ON SCHEMA public TO reflexio_search;
GRANT SELECT ON segment_terms TO reflexio_search;

CREATE FUNCTION search_window(words text, low_key bigint, high_key bigint, size integer)
RETURNS TABLE (search_key bigint, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public SET join_collapse_limit = 1 AS $$
DECLARE
  tenant text := current_setting('app.tenant_id', true);
  tokens text[];
  joins text := '';
  score text := 'p1.weight';
BEGIN
  SELECT array_agg(lexeme) INTO tokens FROM unnest(to_tsvector('simple', words));
  IF tenant IS NULL OR tokens IS NULL THEN
    RETURN;
  END IF;
  IF array_length(tokens, 1) > 1 THEN
    SELECT array_agg(t ORDER BY (SELECT count(*) FROM (SELECT 1 FROM segment_terms p WHERE p.tenant_id = tenant
                                   AND p.token = t AND p.search_key BETWEEN low_key AND high_key LIMIT 1000) capped), t)
    INTO tokens FROM unnest(tokens) t;
  END IF;
  FOR i IN 2 .. array_length(tokens, 1) LOOP
    joins := joins || format(' JOIN segment_terms p%1$s ON p%1$s.tenant_id = p1.tenant_id '
                             'AND p%1$s.search_key = p1.search_key AND p%1$s.token = $2[%1$s]', i);
    score := score || format(' + p%s.weight', i);
  END LOOP;
  RETURN QUERY EXECUTE
    'SELECT p1.search_key, (' || score || ')::real FROM segment_terms p1' || joins ||
    ' WHERE p1.tenant_id = $1 AND p1.token = $2[1] AND p1.search_key BETWEEN $3 AND $4'
    ' ORDER BY p1.search_key DESC LIMIT $5'
  USING tenant, tokens, low_key, high_key, size;
END $$;
ALTER FUNCTION search_window(text, bigint, bigint, integer) OWNER TO reflexio_search;
REVOKE ALL ON FUNCTION search_window(text, bigint, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_window(text, bigint, bigint, integer) TO reflexio_app;
