-- A completion model may name fallback models, tried in order when its own
-- provider fails before answering.
ALTER TABLE models ADD COLUMN fallbacks uuid[] NOT NULL DEFAULT '{}';
