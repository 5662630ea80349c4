ALTER TABLE usage_records DROP CONSTRAINT usage_records_source_check;
--bun:split
ALTER TABLE usage_records ADD CONSTRAINT usage_records_source_check CHECK (source IN ('chat', 'openai', 'embeddings'));
--bun:split
DROP TABLE chunks;
--bun:split
DROP TABLE info_blobs;
--bun:split
DROP TABLE collections;
