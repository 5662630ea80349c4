-- The extensions every later migration relies on. On the development
-- machines scripts/services.sh creates them as superuser beforehand, so
-- these statements are no-ops there; elsewhere the migrating role needs the
-- right to create them.
CREATE EXTENSION IF NOT EXISTS vector;
--bun:split
CREATE EXTENSION IF NOT EXISTS citext;
--bun:split
CREATE EXTENSION IF NOT EXISTS pgcrypto;
