-- How an assistant searches its knowledge: the rankers (hybrid, vector or
-- text; '' is hybrid), how many passages (0: the default) and the lowest
-- score kept.
ALTER TABLE assistants ADD COLUMN retrieval_mode text NOT NULL DEFAULT ''
    CHECK (retrieval_mode IN ('', 'hybrid', 'vector', 'text'));
--bun:split
ALTER TABLE assistants ADD COLUMN retrieval_top_k integer NOT NULL DEFAULT 0 CHECK (retrieval_top_k BETWEEN 0 AND 100);
--bun:split
ALTER TABLE assistants ADD COLUMN retrieval_min_score double precision NOT NULL DEFAULT 0
    CHECK (retrieval_min_score >= 0 AND retrieval_min_score <= 1);
