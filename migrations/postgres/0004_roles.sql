-- reflexio_app: what the server and workers connect as (through a LOGIN role that is a member
-- of it). Not the owner, not a superuser, no BYPASSRLS: row-level security binds it.
-- Roles belong to the whole cluster, so several databases may create them at once.
DO $$ BEGIN
  CREATE ROLE reflexio_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
-- The one role that may look across tenants, and only at the job queue, only through the
-- functions below. It cannot log in.
DO $$ BEGIN
  CREATE ROLE reflexio_queue NOLOGIN NOSUPERUSER BYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

GRANT USAGE ON SCHEMA public TO reflexio_app, reflexio_queue;
GRANT SELECT, INSERT ON tenants TO reflexio_app;
GRANT SELECT, INSERT, UPDATE ON api_keys TO reflexio_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON recordings, segments TO reflexio_app;
GRANT SELECT, INSERT, UPDATE ON jobs TO reflexio_app;
GRANT USAGE ON SEQUENCE jobs_id_seq TO reflexio_app;
GRANT SELECT, UPDATE ON jobs TO reflexio_queue;

-- Leases the oldest runnable job of any tenant (queued and due, or running with an expired
-- lease) with FOR UPDATE SKIP LOCKED, so any number of workers claim without blocking or
-- double-claiming. Returns the claimed row; all further work runs under that job's tenant.
CREATE FUNCTION claim_next_job(worker text, lease_seconds double precision, now_seconds double precision)
RETURNS TABLE (id bigint, tenant_id text, recording_id text, kind text, attempts integer,
               max_attempts integer, lease_expired boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  WITH next AS (
    SELECT j.id, j.state = 'running' AS lease_expired FROM jobs j
    WHERE (j.state = 'queued' AND j.run_after <= now_seconds)
       OR (j.state = 'running' AND j.lease_until < now_seconds)
    ORDER BY j.run_after, j.id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
  )
  UPDATE jobs SET state = 'running', lease_owner = worker, lease_until = now_seconds + lease_seconds,
                  attempts = jobs.attempts + 1, updated_at = now_seconds
  FROM next WHERE jobs.id = next.id
  RETURNING jobs.id, jobs.tenant_id, jobs.recording_id, jobs.kind, jobs.attempts, jobs.max_attempts,
            next.lease_expired;
$$;
ALTER FUNCTION claim_next_job(text, double precision, double precision) OWNER TO reflexio_queue;
REVOKE ALL ON FUNCTION claim_next_job(text, double precision, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_next_job(text, double precision, double precision) TO reflexio_app;

-- Queue depth by state without revealing any tenant's rows.
CREATE FUNCTION queue_stats(now_seconds double precision)
RETURNS TABLE (queued bigint, running bigint, dead bigint, oldest_queued_age double precision)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  SELECT count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'running'),
         count(*) FILTER (WHERE state = 'dead'),
         coalesce(now_seconds - min(created_at) FILTER (WHERE state = 'queued'), 0)
  FROM jobs WHERE state != 'done';
$$;
ALTER FUNCTION queue_stats(double precision) OWNER TO reflexio_queue;
REVOKE ALL ON FUNCTION queue_stats(double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION queue_stats(double precision) TO reflexio_app;

-- Returns every running job to the queue (a single embedded server after a crash) and says
-- which recordings they belong to, so the caller can reset each under its own tenant.
CREATE FUNCTION release_all_leases() RETURNS TABLE (tenant_id text, recording_id text)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL WHERE state = 'running'
  RETURNING jobs.tenant_id, jobs.recording_id;
$$;
ALTER FUNCTION release_all_leases() OWNER TO reflexio_queue;
REVOKE ALL ON FUNCTION release_all_leases() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION release_all_leases() TO reflexio_app;
