-- Usage of workflow steps and of admins' model tests is counted too.
ALTER TABLE usage_records DROP CONSTRAINT usage_records_source_check;
--bun:split
ALTER TABLE usage_records ADD CONSTRAINT usage_records_source_check
    CHECK (source IN ('chat', 'openai', 'embeddings', 'ingestion', 'retrieval', 'workflow', 'model_test'));
