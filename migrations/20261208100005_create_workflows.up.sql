-- Apps, services and workflows of a space. Every change of a definition
-- is a new row in workflow_versions; workflows.version is the current one.
-- A run records the version it ran, and each step's input, output,
-- status, tokens and timing, so a run taken up again after a crash
-- never runs a completed step twice.
CREATE TABLE workflows (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL,
    space_id    uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('app', 'service', 'workflow')),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    version     integer NOT NULL,
    published   boolean NOT NULL DEFAULT false,
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX workflows_space_idx ON workflows (tenant_id, space_id, kind);
--bun:split
CREATE TABLE workflow_versions (
    tenant_id   uuid NOT NULL,
    workflow_id uuid NOT NULL,
    version     integer NOT NULL,
    definition  jsonb NOT NULL,
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, workflow_id, version),
    FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE TABLE workflow_runs (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL,
    workflow_id uuid NOT NULL,
    version     integer NOT NULL,
    user_id     uuid NOT NULL,
    trigger     text NOT NULL,
    status      text NOT NULL,
    input       jsonb NOT NULL DEFAULT '{}',
    output      jsonb,
    error       text NOT NULL DEFAULT '',
    job_id      uuid,
    tokens      integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, workflow_id, version) REFERENCES workflow_versions (tenant_id, workflow_id, version) ON DELETE CASCADE
);
--bun:split
CREATE INDEX workflow_runs_workflow_idx ON workflow_runs (tenant_id, workflow_id, created_at DESC);
--bun:split
CREATE TABLE workflow_run_steps (
    tenant_id   uuid NOT NULL,
    run_id      uuid NOT NULL,
    step_id     text NOT NULL,
    position    integer NOT NULL,
    kind        text NOT NULL,
    status      text NOT NULL,
    input       jsonb,
    output      jsonb,
    error       text NOT NULL DEFAULT '',
    tokens      integer NOT NULL DEFAULT 0,
    attempts    integer NOT NULL DEFAULT 0,
    started_at  timestamptz,
    finished_at timestamptz,
    PRIMARY KEY (tenant_id, run_id, step_id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES workflow_runs (tenant_id, id) ON DELETE CASCADE
);
--bun:split
ALTER TABLE workflows ENABLE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_scope ON workflows
    USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
    WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()));
--bun:split
ALTER TABLE workflow_versions ENABLE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_scope ON workflow_versions
    USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
    WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()));
--bun:split
ALTER TABLE workflow_runs ENABLE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_scope ON workflow_runs
    USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
    WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()));
--bun:split
ALTER TABLE workflow_run_steps ENABLE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_scope ON workflow_run_steps
    USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
    WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()));
