-- What a superuser does once for Agora, in the database Agora uses (the
-- docker-compose file runs it on first start; `make services` does the
-- same on a Debian machine). The owner of the tables (here the role that
-- runs this, or the one named in MIGRATION_DATABASE_URL) applies the
-- migrations; the application's role below is what DATABASE_URL names:
-- it owns nothing and does not bypass row-level security, so a query that
-- forgets its tenant condition sees no other tenant's rows. `agora
-- migrate` grants it its rights on the tables. Change the password.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agora_app') THEN
        CREATE ROLE agora_app LOGIN PASSWORD 'agora_app' NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$;

-- Under row-level security PostgreSQL runs a function before the policy
-- only when it is leakproof; full-text matching is not marked so, and
-- searches would read every chunk of the collections they search instead
-- of using the GIN index. Matching a tsvector cannot fail on its data.
ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF;
