-- The Telegram outbox: one delivery per tenant, local date and origin (the evening schedule or
-- an operator's command). Its steps are the HTML messages, in order, then the PDF; steps_done
-- counts those Telegram confirmed, so a restart resumes after the last confirmed one. The
-- messages are sealed by the application.
CREATE TABLE digest_deliveries (
  tenant_id       TEXT NOT NULL REFERENCES tenants(id),
  date            TEXT NOT NULL,
  origin          TEXT NOT NULL CHECK (origin IN ('schedule', 'command')),
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
  chat_id         TEXT NOT NULL DEFAULT '',
  messages        TEXT NOT NULL DEFAULT '[]',
  with_document   INTEGER NOT NULL DEFAULT 1,
  steps_done      INTEGER NOT NULL DEFAULT 0,
  message_ids     TEXT NOT NULL DEFAULT '[]',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  lease_until     TEXT,
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  PRIMARY KEY (tenant_id, date, origin)
);
CREATE INDEX digest_deliveries_due ON digest_deliveries (state, next_attempt_at);
