-- audit_logs: who did what, to what, from where, with which outcome. Owned
-- by the audit module. tenant_id is NULL for installation-wide entries
-- (e.g. the OIDC debug toggle); there is no foreign key so entries outlive
-- a deleted tenant.
CREATE TABLE audit_logs (
    id          uuid PRIMARY KEY,
    tenant_id   uuid,
    actor_type  text NOT NULL,
    actor_id    text NOT NULL DEFAULT '',
    action      text NOT NULL,
    target_type text NOT NULL DEFAULT '',
    target_id   text NOT NULL DEFAULT '',
    outcome     text NOT NULL CHECK (outcome IN ('success', 'failure')),
    ip          text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT '',
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
--bun:split
CREATE INDEX audit_logs_tenant_created_idx ON audit_logs (tenant_id, created_at DESC, id DESC);
--bun:split
CREATE INDEX audit_logs_tenant_action_idx ON audit_logs (tenant_id, action, created_at DESC);
