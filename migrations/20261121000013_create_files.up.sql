-- Uploaded files of the files module. A chat attachment keeps the text read
-- from it when it arrived; the bytes are in FILE_STORAGE_DIR.
CREATE TABLE files (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    name       text NOT NULL,
    mimetype   text NOT NULL,
    size       bigint NOT NULL CHECK (size >= 0),
    sha256     text NOT NULL,
    text       text NOT NULL,
    chars      integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX files_user_idx ON files (tenant_id, user_id, created_at DESC, id DESC);
--bun:split
-- The files a question attached.
ALTER TABLE questions ADD COLUMN files uuid[] NOT NULL DEFAULT '{}';
