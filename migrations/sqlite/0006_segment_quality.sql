-- The quality gate's verdict per transcript segment: trusted, uncertain or garbage, and why
-- (comma-separated reason codes). Later stages read only what they may trust.
ALTER TABLE segments ADD COLUMN quality TEXT NOT NULL DEFAULT 'trusted'
  CHECK (quality IN ('trusted', 'uncertain', 'garbage'));
ALTER TABLE segments ADD COLUMN quality_reasons TEXT NOT NULL DEFAULT '';
