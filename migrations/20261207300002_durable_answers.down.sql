DROP INDEX questions_streaming_idx;
--bun:split
ALTER TABLE questions DROP COLUMN stream_owner;
--bun:split
UPDATE questions SET status = 'partial' WHERE status IN ('streaming', 'interrupted');
--bun:split
ALTER TABLE questions DROP CONSTRAINT questions_status_check;
--bun:split
ALTER TABLE questions ADD CONSTRAINT questions_status_check CHECK (status IN ('complete', 'partial', 'cancelled', 'failed'));
