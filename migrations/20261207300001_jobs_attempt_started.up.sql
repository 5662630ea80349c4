-- When the running attempt of a job began: a job past its deadline is one
-- whose attempt began longer ago than the deadline (readiness reports them).
ALTER TABLE jobs ADD COLUMN attempt_started_at timestamptz;
