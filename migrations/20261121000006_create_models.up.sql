-- The model registry, owned by the models module: global models (tenant_id
-- NULL, managed by the sysadmin), tenant-private provider records and their
-- models, and each tenant's enablement and defaults.
CREATE TABLE model_providers (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          citext NOT NULL,
    provider_type text NOT NULL,
    endpoint      text NOT NULL DEFAULT '',
    api_key       text NOT NULL DEFAULT '' CHECK (api_key = '' OR api_key LIKE 'enc:fernet:v1:%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    CONSTRAINT model_providers_name_key UNIQUE (tenant_id, name)
);
--bun:split
CREATE TABLE models (
    id             uuid PRIMARY KEY,
    tenant_id      uuid REFERENCES tenants (id) ON DELETE CASCADE,
    provider_id    uuid,
    kind           text NOT NULL CHECK (kind IN ('completion', 'embedding', 'transcription')),
    name           citext NOT NULL,
    description    text NOT NULL DEFAULT '',
    provider_type  text NOT NULL,
    provider_model text NOT NULL,
    token_limit    integer NOT NULL DEFAULT 0 CHECK (token_limit >= 0),
    dimensions     integer NOT NULL DEFAULT 0 CHECK (dimensions >= 0),
    vision         boolean NOT NULL DEFAULT false,
    tools          boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, provider_id) REFERENCES model_providers (tenant_id, id) ON DELETE CASCADE,
    CHECK ((tenant_id IS NULL) = (provider_id IS NULL))
);
--bun:split
CREATE UNIQUE INDEX models_global_name_key ON models (kind, name) WHERE tenant_id IS NULL;
--bun:split
CREATE UNIQUE INDEX models_tenant_name_key ON models (tenant_id, kind, name) WHERE tenant_id IS NOT NULL;
--bun:split
CREATE TABLE tenant_models (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    model_id   uuid NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    enabled    boolean NOT NULL DEFAULT true,
    is_default boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, model_id),
    CHECK (enabled OR NOT is_default)
);
--bun:split
CREATE UNIQUE INDEX tenant_models_default_key ON tenant_models (tenant_id, kind) WHERE is_default;
