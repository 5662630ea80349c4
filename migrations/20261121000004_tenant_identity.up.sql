-- Tenants gain a slug (login tenant picker, URLs), a storage quota and
-- settings; plus the encrypted provider credentials and the per-tenant
-- identity provider. All owned by the tenants module.
ALTER TABLE tenants
    ADD COLUMN slug citext,
    ADD COLUMN quota_limit bigint NOT NULL DEFAULT 0 CHECK (quota_limit >= 0),
    ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';
--bun:split
UPDATE tenants SET slug = nullif(trim(both '-' FROM regexp_replace(
    translate(lower(name), 'åäöéèëüøæ', 'aaoeeeuoa'), '[^a-z0-9]+', '-', 'g')), '');
--bun:split
UPDATE tenants t SET slug = coalesce(t.slug, 'tenant') || '-' || substr(replace(t.id::text, '-', ''), 1, 8)
WHERE t.slug IS NULL OR length(t.slug) < 2
   OR EXISTS (SELECT 1 FROM tenants o WHERE o.slug = t.slug AND o.id < t.id);
--bun:split
ALTER TABLE tenants ALTER COLUMN slug SET NOT NULL, ADD CONSTRAINT tenants_slug_key UNIQUE (slug);
--bun:split
CREATE TABLE tenant_credentials (
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    provider        text NOT NULL,
    api_key         text NOT NULL DEFAULT '',
    endpoint        text NOT NULL DEFAULT '',
    api_version     text NOT NULL DEFAULT '',
    deployment_name text NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, provider),
    CONSTRAINT tenant_credentials_key_encrypted CHECK (api_key = '' OR api_key LIKE 'enc:fernet:v1:%')
);
--bun:split
CREATE TABLE tenant_federations (
    tenant_id          uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    provider           text NOT NULL,
    discovery_endpoint text NOT NULL,
    client_id          text NOT NULL,
    client_secret      text NOT NULL CHECK (client_secret LIKE 'enc:fernet:v1:%'),
    allowed_domains    text[] NOT NULL DEFAULT '{}',
    scopes             text[] NOT NULL DEFAULT '{}',
    updated_at         timestamptz NOT NULL DEFAULT now()
);
