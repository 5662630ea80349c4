ALTER TABLE jobs DROP COLUMN attempt_started_at;
