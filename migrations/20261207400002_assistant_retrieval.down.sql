ALTER TABLE assistants DROP COLUMN retrieval_min_score;
--bun:split
ALTER TABLE assistants DROP COLUMN retrieval_top_k;
--bun:split
ALTER TABLE assistants DROP COLUMN retrieval_mode;
