-- Durable answers: a question is stored, status 'streaming', before its
-- first token, by the API process named in stream_owner, which keeps the
-- partial answer as it grows. When that process dies, the answer is marked
-- 'interrupted' with what it had, and its usage is recorded.
ALTER TABLE questions DROP CONSTRAINT questions_status_check;
--bun:split
ALTER TABLE questions ADD CONSTRAINT questions_status_check
    CHECK (status IN ('streaming', 'complete', 'partial', 'cancelled', 'failed', 'interrupted'));
--bun:split
ALTER TABLE questions ADD COLUMN stream_owner text;
--bun:split
CREATE INDEX questions_streaming_idx ON questions (stream_owner) WHERE status = 'streaming';
