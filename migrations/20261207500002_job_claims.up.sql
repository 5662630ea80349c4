-- Workers claim jobs from this table (the queue only wakes them): a job
-- queued again after a passing failure waits until run_after.
ALTER TABLE jobs ADD COLUMN run_after timestamptz;
--bun:split
-- The installation whose workers run the job (JOB_QUEUE): installations
-- sharing a database claim only their own jobs.
ALTER TABLE jobs ADD COLUMN queue text NOT NULL DEFAULT 'agora';
--bun:split
CREATE INDEX jobs_queued_idx ON jobs (queue, created_at, id) WHERE status = 'queued';
