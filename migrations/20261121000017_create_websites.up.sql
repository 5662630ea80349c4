-- Websites of the files module and their crawl runs. A website's pages are
-- info blobs of a hidden collection with the website's id (collections.
-- website is true), so search, chat and the BM25 totals need no change;
-- deleting the collection deletes the website, its runs and its pages.
ALTER TABLE collections ADD COLUMN website boolean NOT NULL DEFAULT false;
--bun:split
DROP INDEX collections_name_key;
--bun:split
CREATE UNIQUE INDEX collections_name_key ON collections (tenant_id, space_id, lower(name)) WHERE NOT website;
--bun:split
CREATE TABLE websites (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid NOT NULL,
    space_id             uuid NOT NULL,
    name                 text NOT NULL,
    url                  text NOT NULL,
    crawl_type           text NOT NULL CHECK (crawl_type IN ('crawl', 'sitemap')),
    update_interval      text NOT NULL CHECK (update_interval IN ('never', 'daily', 'every_other_day', 'weekly')),
    download_files       boolean NOT NULL DEFAULT false,
    http_auth_username   text NOT NULL DEFAULT '',
    -- Fernet ciphertext (platform/secrets), never the password itself.
    http_auth_password   text NOT NULL DEFAULT '',
    created_by           uuid,
    last_success_at      timestamptz,
    -- When the scheduler queues the next run; NULL for update_interval never.
    next_run_at          timestamptz,
    consecutive_failures integer NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, id) REFERENCES collections (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX websites_space_idx ON websites (tenant_id, space_id);
--bun:split
CREATE INDEX websites_due_idx ON websites (next_run_at) WHERE next_run_at IS NOT NULL;
--bun:split
CREATE TABLE crawl_runs (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL,
    website_id       uuid NOT NULL,
    job_id           uuid NOT NULL,
    user_id          uuid,
    scheduled        boolean NOT NULL DEFAULT false,
    status           text NOT NULL CHECK (status IN ('queued', 'in_progress', 'complete', 'failed', 'cancelled')),
    pages_crawled    integer NOT NULL DEFAULT 0,
    pages_failed     integer NOT NULL DEFAULT 0,
    files_downloaded integer NOT NULL DEFAULT 0,
    files_failed     integer NOT NULL DEFAULT 0,
    pages_unchanged  integer NOT NULL DEFAULT 0,
    pages_removed    integer NOT NULL DEFAULT 0,
    failure_summary  jsonb NOT NULL DEFAULT '{}',
    failures         jsonb NOT NULL DEFAULT '[]',
    stopped          text NOT NULL DEFAULT '',
    message          text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, website_id) REFERENCES websites (tenant_id, id) ON DELETE CASCADE
);
--bun:split
-- One run of a website at a time, whichever API replica or scheduler asks.
CREATE UNIQUE INDEX crawl_runs_open_key ON crawl_runs (tenant_id, website_id) WHERE status IN ('queued', 'in_progress');
--bun:split
CREATE INDEX crawl_runs_website_idx ON crawl_runs (tenant_id, website_id, created_at DESC);
--bun:split
CREATE INDEX info_blobs_source_idx ON info_blobs (tenant_id, collection_id, source);
