-- The Telegram outbox: one delivery per tenant, local date and origin (the evening schedule or
-- an operator's command). Its steps are the HTML messages, in order, then the PDF; steps_done
-- counts those Telegram confirmed, so a restart resumes after the last confirmed one. The
-- messages are sealed by the application.
CREATE TABLE digest_deliveries (
  tenant_id       text NOT NULL REFERENCES tenants(id),
  date            text NOT NULL,
  origin          text NOT NULL CHECK (origin IN ('schedule', 'command')),
  state           text NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
  chat_id         text NOT NULL DEFAULT '',
  messages        text NOT NULL DEFAULT '[]',
  with_document   boolean NOT NULL DEFAULT true,
  steps_done      integer NOT NULL DEFAULT 0,
  message_ids     text NOT NULL DEFAULT '[]',
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until     timestamptz,
  last_error      text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, date, origin)
);
CREATE INDEX digest_deliveries_due ON digest_deliveries (state, next_attempt_at);
SELECT isolate_tenant_table('digest_deliveries');
GRANT SELECT, INSERT, UPDATE, DELETE ON digest_deliveries TO reflexio_app;
GRANT SELECT ON digest_deliveries TO reflexio_queue;

-- Outbox health for /health and metrics: counts and an age, never a tenant's rows.
CREATE FUNCTION delivery_stats(now_seconds double precision, failed_since_seconds double precision)
RETURNS TABLE (pending bigint, failed bigint, oldest_pending_age double precision)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  SELECT count(*) FILTER (WHERE state = 'pending'),
         count(*) FILTER (WHERE state = 'failed' AND updated_at >= to_timestamp(failed_since_seconds)),
         coalesce(now_seconds - extract(epoch FROM min(created_at) FILTER (WHERE state = 'pending')), 0)::float8
  FROM digest_deliveries WHERE state IN ('pending', 'failed');
$$;
ALTER FUNCTION delivery_stats(double precision, double precision) OWNER TO reflexio_queue;
REVOKE ALL ON FUNCTION delivery_stats(double precision, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION delivery_stats(double precision, double precision) TO reflexio_app;
