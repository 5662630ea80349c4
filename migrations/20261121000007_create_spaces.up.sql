-- Spaces, owned by the spaces module. Members refer to users and groups of
-- the users module by id only: modules keep to their own tables, and the
-- spaces module checks ids through the users module when members change.
CREATE TABLE spaces (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('personal', 'shared', 'organization')),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    owner_id    uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    CHECK ((kind = 'personal') = (owner_id IS NOT NULL))
);
--bun:split
CREATE UNIQUE INDEX spaces_personal_key ON spaces (tenant_id, owner_id) WHERE kind = 'personal';
--bun:split
CREATE UNIQUE INDEX spaces_organization_key ON spaces (tenant_id) WHERE kind = 'organization';
--bun:split
CREATE TABLE space_members (
    tenant_id uuid NOT NULL,
    space_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    role      text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    PRIMARY KEY (tenant_id, space_id, user_id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX space_members_user_idx ON space_members (tenant_id, user_id);
--bun:split
CREATE TABLE space_group_members (
    tenant_id uuid NOT NULL,
    space_id  uuid NOT NULL,
    group_id  uuid NOT NULL,
    role      text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    PRIMARY KEY (tenant_id, space_id, group_id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX space_group_members_group_idx ON space_group_members (tenant_id, group_id);
--bun:split
CREATE TABLE space_models (
    tenant_id uuid NOT NULL,
    space_id  uuid NOT NULL,
    model_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, space_id, model_id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id) ON DELETE CASCADE
);
