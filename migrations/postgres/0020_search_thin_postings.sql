-- The token table of 0019, half as wide: the tenant is folded into each token's hash instead of
-- leading the key, so a posting is 48 bytes instead of about 96.
--
-- Measured on the year corpus (reflexio bench search --year): searches of several words spent
-- most of their time reading pages of the token table that were not in memory (on the machine
-- measured, the kernel drops page-cache pages unused for a minute), and a wider table made it
-- worse: each posting carrying its segment's tokens (2.5 times the token table) doubled the p95 of 2
-- and 3 words. So the rows shrink. The token is hashed with the tenant as the seed: one tenant's
-- postings of a word never share a key with another tenant's, and the tenant id (36 characters)
-- stays in the row, for row-level security and the foreign key, but leaves the index.

-- 0019's trigger stays: it fills the new table through the new segment_term_rows.
DROP TABLE segment_terms;
DROP FUNCTION token_key(text);

-- A tenant's token as a 64-bit key: the token's hash seeded with the tenant's.
CREATE FUNCTION tenant_token_key(tenant text, token text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT hashtextextended(token, hashtextextended(tenant, 0))
$$;

CREATE TABLE segment_terms (
  tenant_id      text COLLATE "C" NOT NULL,
  token          bigint NOT NULL,
  search_key     bigint NOT NULL,
  weight         real NOT NULL,
  signature_low  bigint NOT NULL,
  signature_high bigint NOT NULL,
  PRIMARY KEY (token, search_key) INCLUDE (weight, signature_low, signature_high),
  FOREIGN KEY (tenant_id, search_key) REFERENCES segments (tenant_id, search_key) ON DELETE CASCADE
);
SELECT isolate_tenant_table('segment_terms');
CREATE INDEX segment_terms_by_segment ON segment_terms (tenant_id, search_key);
GRANT SELECT, INSERT, DELETE ON segment_terms TO reflexio_app;
GRANT SELECT ON segment_terms TO reflexio_search;

-- A segment's rows: each distinct token with its weight (BM25's term saturation against a fixed
-- length of 15 words, as in 0018) and the segment's signature.
CREATE OR REPLACE FUNCTION segment_term_rows(tenant text, key bigint, terms tsvector)
RETURNS TABLE (tenant_id text, token bigint, search_key bigint, weight real, signature_low bigint, signature_high bigint)
LANGUAGE sql IMMUTABLE AS $$
  WITH t AS (SELECT tenant_token_key(tenant, u.lexeme) AS token, cardinality(u.positions) AS tf FROM unnest(terms) u),
       s AS (SELECT bit_or(g.low) AS low, bit_or(g.high) AS high, sum(t.tf) AS words
             FROM t, token_signature(t.token) g)
  SELECT tenant, t.token, key, (t.tf / (t.tf + 1.2 * (0.25 + 0.75 * s.words / 15.0)))::real, s.low, s.high
  FROM t, s
$$;
-- Two tokens whose keys collide (one chance in 2^64, of one tenant or of two) share a row rather
-- than fail the segment; a search only ever lists segments of its own tenant (the page is read
-- from segments by tenant), so a collision across tenants can hide a match but never show one.
INSERT INTO segment_terms SELECT r.* FROM segments s, segment_term_rows(s.tenant_id, s.search_key, s.search) r
ON CONFLICT DO NOTHING;

-- As in 0019 (owner, grants, SECURITY DEFINER and the way words are joined unchanged), with the
-- tenant in the tokens' keys rather than in each condition.
CREATE OR REPLACE FUNCTION search_window(words text, low_key bigint, high_key bigint, size integer)
RETURNS TABLE (search_key bigint, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public SET jit = off AS $$
DECLARE
  tenant text := current_setting('app.tenant_id', true);
  tokens bigint[];
  fewest bigint;
  mask_low bigint;
  mask_high bigint;
  lookups text := '';
  score text := 'p1.weight';
  filter text := '';
BEGIN
  SELECT array_agg(DISTINCT tenant_token_key(tenant, lexeme)) INTO tokens FROM unnest(to_tsvector('simple', words));
  IF tenant IS NULL OR tokens IS NULL THEN
    RETURN;
  END IF;
  IF cardinality(tokens) > 1 THEN
    SELECT array_agg(t ORDER BY c, newest - oldest DESC, t), min(c) INTO tokens, fewest
    FROM unnest(tokens) t, LATERAL (
      SELECT count(*) AS c, min(k) AS oldest, max(k) AS newest
      FROM (SELECT p.search_key AS k FROM segment_terms p WHERE p.token = t
              AND p.search_key BETWEEN low_key AND high_key
            ORDER BY p.search_key DESC LIMIT 1000) newest) e;
    IF fewest = 0 THEN  -- a word with no posting in the range: nothing matches
      RETURN;
    END IF;
    SELECT bit_or(s.low), bit_or(s.high) INTO mask_low, mask_high FROM unnest(tokens[2:]) t, token_signature(t) s;
    filter := ' AND p1.signature_low & $5 = $5 AND p1.signature_high & $6 = $6';
  END IF;
  FOR i IN 2 .. cardinality(tokens) LOOP
    -- OFFSET 0 keeps each lookup a lookup: the planner may not turn it into a join of lists.
    lookups := lookups || format(' CROSS JOIN LATERAL (SELECT q.weight FROM segment_terms q'
                                 ' WHERE q.token = $1[%1$s] AND q.search_key = p1.search_key OFFSET 0) p%1$s', i);
    score := score || format(' + p%s.weight', i);
  END LOOP;
  RETURN QUERY EXECUTE
    'SELECT p1.search_key, (' || score || ')::real FROM segment_terms p1' || lookups ||
    ' WHERE p1.token = $1[1] AND p1.search_key BETWEEN $2 AND $3' || filter ||
    ' ORDER BY p1.search_key DESC LIMIT $4'
  USING tokens, low_key, high_key, size, mask_low, mask_high;
END $$;
