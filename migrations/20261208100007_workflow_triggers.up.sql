-- Triggers of a workflow besides a person or an API call: a schedule (a
-- cron expression with the input it runs with, as the user who set it)
-- and an inbound webhook (a secret URL, stored as a hash, whose requests
-- are signed with HMAC-SHA256 under a secret stored encrypted).
ALTER TABLE workflows
    ADD COLUMN schedule             text NOT NULL DEFAULT '',
    ADD COLUMN schedule_input       jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN schedule_user        uuid,
    ADD COLUMN schedule_permissions text[] NOT NULL DEFAULT '{}',
    ADD COLUMN next_run_at          timestamptz,
    ADD COLUMN hook_token_hash      bytea UNIQUE,
    ADD COLUMN hook_secret          text NOT NULL DEFAULT '',
    ADD COLUMN hook_user            uuid,
    ADD COLUMN hook_permissions     text[] NOT NULL DEFAULT '{}';
--bun:split
CREATE INDEX workflows_due_idx ON workflows (next_run_at) WHERE next_run_at IS NOT NULL;
