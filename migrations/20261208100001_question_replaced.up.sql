-- A question edited or regenerated in the web UI is replaced: it and the
-- ones after it stay stored (usage, audit) but leave the conversation.
ALTER TABLE questions ADD COLUMN superseded_at timestamptz;
