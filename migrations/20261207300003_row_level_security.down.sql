DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public'
        AND policyname IN ('tenant_scope', 'tenant_scope_read', 'tenant_scope_write')
    LOOP
        EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', p.tablename);
    END LOOP;
END $$;
--bun:split
DROP FUNCTION app_scope_all();
--bun:split
DROP FUNCTION app_scope_tenant();
