-- Starter questions an assistant offers in an empty chat.
ALTER TABLE assistants ADD COLUMN starter_questions text[] NOT NULL DEFAULT '{}';
