-- Knowledge of the files module: collections in spaces, info blobs (one per
-- document or page) and their chunks with an embedding and a tsvector.
CREATE EXTENSION IF NOT EXISTS btree_gin;
--bun:split
CREATE TABLE collections (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    space_id           uuid NOT NULL,
    name               text NOT NULL,
    embedding_model_id uuid NOT NULL,
    -- The full-text search configuration its chunks are indexed with.
    language           text NOT NULL CHECK (language IN ('simple', 'english', 'swedish')),
    created_by         uuid,
    -- Running totals for BM25: chunks and their indexed terms.
    chunk_count        bigint NOT NULL DEFAULT 0,
    term_count         bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE UNIQUE INDEX collections_name_key ON collections (tenant_id, space_id, lower(name));
--bun:split
CREATE TABLE info_blobs (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL,
    collection_id uuid NOT NULL,
    title         text NOT NULL,
    source        text NOT NULL DEFAULT '',
    mimetype      text NOT NULL DEFAULT 'text/plain',
    size          bigint NOT NULL DEFAULT 0,
    sha256        text NOT NULL,
    chars         integer NOT NULL DEFAULT 0,
    chunk_count   integer NOT NULL DEFAULT 0,
    -- Indexed terms of its chunks, for the collection's BM25 totals.
    term_count    bigint NOT NULL DEFAULT 0,
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'ready', 'failed')),
    job_id        uuid,
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, collection_id) REFERENCES collections (tenant_id, id) ON DELETE CASCADE
);
--bun:split
-- The same content is stored once per collection.
CREATE UNIQUE INDEX info_blobs_content_key ON info_blobs (tenant_id, collection_id, sha256);
--bun:split
CREATE INDEX info_blobs_collection_idx ON info_blobs (tenant_id, collection_id, created_at DESC);
--bun:split
CREATE TABLE chunks (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    collection_id      uuid NOT NULL,
    info_blob_id       uuid NOT NULL,
    embedding_model_id uuid NOT NULL,
    chunk_no           integer NOT NULL,
    text               text NOT NULL,
    tokens             integer NOT NULL,
    -- The dimension is the collection's model's; each model has its own
    -- HNSW index over embedding::vector(dims) (created with the model's
    -- first collection).
    embedding          vector NOT NULL,
    tsv                tsvector NOT NULL,
    FOREIGN KEY (tenant_id, info_blob_id) REFERENCES info_blobs (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE UNIQUE INDEX chunks_blob_key ON chunks (tenant_id, info_blob_id, chunk_no);
--bun:split
CREATE INDEX chunks_collection_idx ON chunks (tenant_id, collection_id);
--bun:split
CREATE INDEX chunks_tsv_idx ON chunks USING gin (collection_id, tsv);
--bun:split
ALTER TABLE usage_records DROP CONSTRAINT usage_records_source_check;
--bun:split
ALTER TABLE usage_records ADD CONSTRAINT usage_records_source_check CHECK (source IN ('chat', 'openai', 'embeddings', 'ingestion', 'retrieval'));
