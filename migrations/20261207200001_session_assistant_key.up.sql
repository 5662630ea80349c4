-- A session started through an assistant-scoped API key records the key:
-- such a key (it sits in a web page) sees only the sessions it started, not
-- the other sessions of the user who made it. NULL for sessions started
-- under a user's own sign-in or API key.
ALTER TABLE sessions ADD COLUMN assistant_key_id uuid;
--bun:split
CREATE INDEX sessions_assistant_key_idx ON sessions (tenant_id, assistant_key_id, created_at DESC, id DESC)
    WHERE assistant_key_id IS NOT NULL;
