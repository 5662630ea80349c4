DROP INDEX workflows_due_idx;
--bun:split
ALTER TABLE workflows DROP COLUMN schedule, DROP COLUMN schedule_input, DROP COLUMN schedule_user, DROP COLUMN schedule_permissions,
    DROP COLUMN next_run_at, DROP COLUMN hook_token_hash, DROP COLUMN hook_secret, DROP COLUMN hook_user, DROP COLUMN hook_permissions;
