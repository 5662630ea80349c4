-- API keys of a service: each works only on its service's run route, as
-- the user who made it. Only the HMAC of the key is stored.
CREATE TABLE workflow_api_keys (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL,
    workflow_id uuid NOT NULL,
    name        text NOT NULL,
    prefix      text NOT NULL,
    key_hash    bytea NOT NULL UNIQUE,
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX workflow_api_keys_workflow_idx ON workflow_api_keys (tenant_id, workflow_id);
--bun:split
ALTER TABLE workflow_api_keys ENABLE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_scope ON workflow_api_keys
    USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
    WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()));
