-- Rerank models (query and passages in, a relevance score per passage out)
-- reorder an assistant's fused search results.
ALTER TABLE models DROP CONSTRAINT models_kind_check;
--bun:split
ALTER TABLE models ADD CONSTRAINT models_kind_check CHECK (kind IN ('completion', 'embedding', 'transcription', 'rerank'));
--bun:split
ALTER TABLE assistants ADD COLUMN retrieval_rerank_model_id uuid;
