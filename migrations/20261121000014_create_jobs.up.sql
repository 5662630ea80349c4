-- Background jobs of the jobs module: the source of truth for their state.
-- A queued job's task type and payload are kept, so the queue can be
-- rebuilt from the rows if Redis loses it.
CREATE TABLE jobs (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL,
    task            text NOT NULL,
    name            text NOT NULL DEFAULT '',
    status          text NOT NULL CHECK (status IN ('queued', 'in_progress', 'complete', 'failed', 'cancelled')),
    progress        integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    message         text NOT NULL DEFAULT '',
    result_location text NOT NULL DEFAULT '',
    payload         jsonb NOT NULL DEFAULT '{}',
    attempts        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    heartbeat_at    timestamptz,
    UNIQUE (tenant_id, id)
);
--bun:split
CREATE INDEX jobs_user_idx ON jobs (tenant_id, user_id, created_at DESC, id DESC);
--bun:split
-- The recovery sweep looks for running jobs whose heartbeat stopped and
-- queued jobs that waited too long.
CREATE INDEX jobs_open_idx ON jobs (status, heartbeat_at) WHERE status IN ('queued', 'in_progress');
