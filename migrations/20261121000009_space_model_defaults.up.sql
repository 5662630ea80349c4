-- A space may choose a default model per kind among its enabled models.
ALTER TABLE space_models
    ADD COLUMN kind text NOT NULL DEFAULT 'completion',
    ADD COLUMN is_default boolean NOT NULL DEFAULT false;
--bun:split
CREATE UNIQUE INDEX space_models_default_key ON space_models (tenant_id, space_id, kind) WHERE is_default;
