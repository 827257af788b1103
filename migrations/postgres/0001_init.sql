-- Tenants, keys, recordings, transcript segments and the job queue (PostgreSQL).
-- Ids are text (UUIDv7 strings) so the RLS comparison with the transaction's tenant setting
-- never needs a cast. Times are timestamptz; queue times are Unix seconds for arithmetic.

CREATE TABLE tenants (
  id          text PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  id          text PRIMARY KEY,
  key_hash    text NOT NULL UNIQUE,
  prefix      text NOT NULL,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);

CREATE TABLE recordings (
  tenant_id        text NOT NULL REFERENCES tenants(id),
  id               text PRIMARY KEY,
  status           text NOT NULL CHECK (status IN ('queued', 'processing', 'transcribed', 'failed')),
  error            text,
  content_type     text NOT NULL,
  original_bytes   bigint NOT NULL,
  body_sha256      text NOT NULL,
  idempotency_key  text,
  captured_at      timestamptz NOT NULL,
  received_at      timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  duration_s       double precision,
  speech_s         double precision,
  source_path      text,
  audio_path       text,
  engine           text,
  language         text,
  UNIQUE (tenant_id, idempotency_key)
);

CREATE TABLE segments (
  tenant_id     text NOT NULL REFERENCES tenants(id),
  recording_id  text NOT NULL REFERENCES recordings(id),
  seq           integer NOT NULL,
  start_s       double precision NOT NULL,
  end_s         double precision NOT NULL,
  captured_at   timestamptz NOT NULL,
  text          text NOT NULL,
  words_json    text NOT NULL,
  engine        text NOT NULL,
  language      text NOT NULL,
  PRIMARY KEY (tenant_id, recording_id, seq)
);

CREATE TABLE jobs (
  tenant_id     text NOT NULL REFERENCES tenants(id),
  id            bigserial PRIMARY KEY,
  recording_id  text NOT NULL REFERENCES recordings(id),
  kind          text NOT NULL,
  state         text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL,
  run_after     double precision NOT NULL,
  lease_owner   text,
  lease_until   double precision,
  last_error    text,
  created_at    double precision NOT NULL,
  updated_at    double precision NOT NULL
);
