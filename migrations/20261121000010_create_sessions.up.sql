-- Chat sessions and their questions, and usage records, owned by the
-- sessions module. A session belongs to a user and an assistant; deleting
-- the assistant deletes its sessions.
CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL,
    user_id      uuid NOT NULL,
    assistant_id uuid NOT NULL,
    title        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, assistant_id) REFERENCES assistants (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX sessions_user_idx ON sessions (tenant_id, user_id, created_at DESC, id DESC);
--bun:split
CREATE TABLE questions (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL,
    session_id        uuid NOT NULL,
    question          text NOT NULL,
    answer            text NOT NULL DEFAULT '',
    status            text NOT NULL CHECK (status IN ('complete', 'partial', 'cancelled', 'failed')),
    error_code        text NOT NULL DEFAULT '',
    model_id          uuid,
    prompt_tokens     integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    ttft_ms           integer,
    total_ms          integer NOT NULL DEFAULT 0,
    finish_reason     text NOT NULL DEFAULT '',
    refs              jsonb NOT NULL DEFAULT '[]',
    flags             text[] NOT NULL DEFAULT '{}',
    analysis          jsonb NOT NULL DEFAULT '{}',
    feedback_value    smallint CHECK (feedback_value IN (-1, 1)),
    feedback_text     text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX questions_session_idx ON questions (tenant_id, session_id, created_at);
--bun:split
CREATE TABLE usage_records (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL,
    user_id           uuid NOT NULL,
    assistant_id      uuid,
    model_id          uuid,
    source            text NOT NULL CHECK (source IN ('chat', 'openai', 'embeddings')),
    requests          integer NOT NULL DEFAULT 1,
    prompt_tokens     integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now()
);
--bun:split
CREATE INDEX usage_records_tenant_idx ON usage_records (tenant_id, created_at);
