-- Assistants, owned by the assistants module. An assistant lives in a
-- space; the foreign key to spaces makes deleting a space delete what it
-- contains (the only tie to the spaces module's tables; no code joins them).
CREATE TABLE assistants (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL,
    space_id            uuid NOT NULL,
    name                text NOT NULL,
    description         text NOT NULL DEFAULT '',
    completion_model_id uuid NOT NULL,
    temperature         double precision,
    max_tokens          integer,
    published           boolean NOT NULL DEFAULT false,
    created_by          uuid NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX assistants_space_idx ON assistants (tenant_id, space_id, created_at);
--bun:split
CREATE TABLE assistant_prompts (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL,
    assistant_id uuid NOT NULL,
    text         text NOT NULL,
    selected     boolean NOT NULL DEFAULT false,
    created_by   uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, assistant_id) REFERENCES assistants (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE UNIQUE INDEX assistant_prompts_selected_key ON assistant_prompts (tenant_id, assistant_id) WHERE selected;
--bun:split
CREATE INDEX assistant_prompts_history_idx ON assistant_prompts (tenant_id, assistant_id, created_at DESC);
--bun:split
CREATE TABLE assistant_knowledge (
    tenant_id    uuid NOT NULL,
    assistant_id uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('group', 'website')),
    knowledge_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, assistant_id, kind, knowledge_id),
    FOREIGN KEY (tenant_id, assistant_id) REFERENCES assistants (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE TABLE assistant_api_keys (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL,
    assistant_id uuid NOT NULL,
    name         text NOT NULL,
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,
    created_by   uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    FOREIGN KEY (tenant_id, assistant_id) REFERENCES assistants (tenant_id, id) ON DELETE CASCADE
);
