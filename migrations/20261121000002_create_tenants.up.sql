-- tenants: the organisations sharing one installation. Owned by the tenants
-- module; the only table that is not scoped by tenant_id.
CREATE TABLE tenants (
    id             uuid PRIMARY KEY,
    name           citext NOT NULL,
    display_name   text NOT NULL DEFAULT '',
    state          text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended')),
    provisioned_at timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_name_key UNIQUE (name)
);
--bun:split
CREATE INDEX tenants_created_at_idx ON tenants (created_at, id);
