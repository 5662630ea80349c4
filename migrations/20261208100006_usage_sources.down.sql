DELETE FROM usage_records WHERE source IN ('workflow', 'model_test');
--bun:split
ALTER TABLE usage_records DROP CONSTRAINT usage_records_source_check;
--bun:split
ALTER TABLE usage_records ADD CONSTRAINT usage_records_source_check CHECK (source IN ('chat', 'openai', 'embeddings', 'ingestion', 'retrieval'));
