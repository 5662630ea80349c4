DROP INDEX jobs_queued_idx;
--bun:split
ALTER TABLE jobs DROP COLUMN queue;
--bun:split
ALTER TABLE jobs DROP COLUMN run_after;
