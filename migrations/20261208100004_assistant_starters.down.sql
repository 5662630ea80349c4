ALTER TABLE assistants DROP COLUMN starter_questions;
