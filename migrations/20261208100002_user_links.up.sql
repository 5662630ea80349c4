-- One-time links that let a person set a password: an invitation (7 days
-- by default) or a reset (an hour when asked for by the person, a day when
-- made by an administrator). Only the SHA-256 of the token is stored; a
-- link works once and a newer link of the same kind replaces older ones.
CREATE TABLE user_links (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL,
    user_id    uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('invite', 'reset')),
    token_hash bytea NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX user_links_user_idx ON user_links (tenant_id, user_id, kind);
--bun:split
ALTER TABLE user_links ENABLE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_scope ON user_links
    USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
    WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()));
