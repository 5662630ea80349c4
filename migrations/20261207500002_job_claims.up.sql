-- Workers claim jobs from this table (the queue only wakes them): a job
-- queued again after a passing failure waits until run_after.
ALTER TABLE jobs ADD COLUMN run_after timestamptz;
--bun:split
CREATE INDEX jobs_queued_idx ON jobs (created_at, id) WHERE status = 'queued';
