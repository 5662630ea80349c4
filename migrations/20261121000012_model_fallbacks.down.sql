ALTER TABLE models DROP COLUMN fallbacks;
