DROP INDEX IF EXISTS info_blobs_source_idx;
--bun:split
DROP TABLE crawl_runs;
--bun:split
DROP TABLE websites;
--bun:split
DELETE FROM collections WHERE website;
--bun:split
DROP INDEX collections_name_key;
--bun:split
CREATE UNIQUE INDEX collections_name_key ON collections (tenant_id, space_id, lower(name));
--bun:split
ALTER TABLE collections DROP COLUMN website;
