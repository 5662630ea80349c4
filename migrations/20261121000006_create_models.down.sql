DROP TABLE IF EXISTS tenant_models;
--bun:split
DROP TABLE IF EXISTS models;
--bun:split
DROP TABLE IF EXISTS model_providers;
