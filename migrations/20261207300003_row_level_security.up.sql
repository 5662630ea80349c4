-- Row-level security, the second line of tenant isolation. The application
-- connects as a role that neither owns these tables nor bypasses RLS
-- (migrations run as the owner), and every statement it sends carries its
-- scope in the transaction-local setting app.scope: a tenant's id, or '*'
-- for system work (sign-in lookups, sweeps, the sysadmin API). A statement
-- without a scope sees no tenant's rows. The owner is not subject to the
-- policies, so migrations and index builds see everything.
CREATE FUNCTION app_scope_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN s::uuid END
    FROM current_setting('app.scope', true) AS s
$$;
--bun:split
CREATE FUNCTION app_scope_all() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('app.scope', true) = '*', false)
$$;
--bun:split
-- Every table with a tenant_id gets the same policy; models with no tenant
-- are the installation's global models, which every tenant may read. The
-- scope functions sit in subqueries so that PostgreSQL evaluates them once
-- per statement, not once per row.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND table_type = 'BASE TABLE'
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        IF t = 'models' THEN
            EXECUTE 'CREATE POLICY tenant_scope_read ON models FOR SELECT
                USING (tenant_id IS NULL OR tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))';
            EXECUTE 'CREATE POLICY tenant_scope_write ON models FOR ALL
                USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
                WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))';
        ELSE
            EXECUTE format('CREATE POLICY tenant_scope ON %I
                USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
                WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))', t);
        END IF;
    END LOOP;
END $$;
