-- Where a chunk sits in its document: the path of headings above it and
-- the pages (slides, sheets) it spans, counted from 1; 0 when the
-- document has no pages.
ALTER TABLE chunks ADD COLUMN section text NOT NULL DEFAULT '';
--bun:split
ALTER TABLE chunks ADD COLUMN page_start integer NOT NULL DEFAULT 0 CHECK (page_start >= 0);
--bun:split
ALTER TABLE chunks ADD COLUMN page_end integer NOT NULL DEFAULT 0 CHECK (page_end >= page_start);
--bun:split
-- How many pages the document has (0: none), and whether its uploaded
-- file is kept to be opened from a citation.
ALTER TABLE info_blobs ADD COLUMN pages integer NOT NULL DEFAULT 0 CHECK (pages >= 0);
--bun:split
ALTER TABLE info_blobs ADD COLUMN file_kept boolean NOT NULL DEFAULT false;
--bun:split
-- What of the document was not read and why (scanned pages without OCR).
ALTER TABLE info_blobs ADD COLUMN note text NOT NULL DEFAULT '';
--bun:split
-- Kept files whose documents are gone, however they went (a document, its
-- collection, its space deleted): the worker's sweep removes the files and
-- the rows.
CREATE TABLE removed_files (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    removed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
--bun:split
ALTER TABLE removed_files ENABLE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_scope ON removed_files
    USING (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()))
    WITH CHECK (tenant_id = (SELECT app_scope_tenant()) OR (SELECT app_scope_all()));
--bun:split
CREATE FUNCTION note_removed_file() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removed_files (tenant_id, id) VALUES (OLD.tenant_id, OLD.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER info_blobs_removed_file AFTER DELETE ON info_blobs
    FOR EACH ROW WHEN (OLD.file_kept) EXECUTE FUNCTION note_removed_file();
