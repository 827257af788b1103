-- tenant_id leads every index, so the schema can later be sharded by tenant.
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
CREATE INDEX recordings_by_capture ON recordings (tenant_id, captured_at DESC, id DESC);
CREATE INDEX segments_by_capture ON segments (tenant_id, captured_at);
CREATE INDEX jobs_ready ON jobs (state, run_after, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_by_recording ON jobs (tenant_id, recording_id);
