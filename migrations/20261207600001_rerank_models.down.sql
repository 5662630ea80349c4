ALTER TABLE assistants DROP COLUMN retrieval_rerank_model_id;
--bun:split
DELETE FROM models WHERE kind = 'rerank';
--bun:split
ALTER TABLE models DROP CONSTRAINT models_kind_check;
--bun:split
ALTER TABLE models ADD CONSTRAINT models_kind_check CHECK (kind IN ('completion', 'embedding', 'transcription'));
