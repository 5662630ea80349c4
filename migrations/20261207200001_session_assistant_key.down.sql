DROP INDEX IF EXISTS sessions_assistant_key_idx;
--bun:split
ALTER TABLE sessions DROP COLUMN IF EXISTS assistant_key_id;
