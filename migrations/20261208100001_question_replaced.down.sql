ALTER TABLE questions DROP COLUMN superseded_at;
