-- Speech and uploads per tenant per UTC day, rolled up by the scheduler (billing meters it).
CREATE TABLE usage_daily (
  tenant_id       TEXT NOT NULL REFERENCES tenants(id),
  day             TEXT NOT NULL,
  speech_seconds  REAL NOT NULL DEFAULT 0,
  uploads         INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day)
);
