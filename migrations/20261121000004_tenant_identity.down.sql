DROP TABLE IF EXISTS tenant_federations;
--bun:split
DROP TABLE IF EXISTS tenant_credentials;
--bun:split
ALTER TABLE tenants DROP COLUMN IF EXISTS settings, DROP COLUMN IF EXISTS quota_limit, DROP COLUMN IF EXISTS slug;
