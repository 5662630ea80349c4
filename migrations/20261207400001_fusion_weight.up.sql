-- What hybrid search counts an embedding model's ranking for against
-- full-text search's (normalised score fusion); NULL is the
-- provider's default (0.1 for the built-in local embedder, else 1).
ALTER TABLE models ADD COLUMN fusion_weight double precision
    CHECK (fusion_weight IS NULL OR (fusion_weight >= 0 AND fusion_weight <= 1 AND kind = 'embedding'));
