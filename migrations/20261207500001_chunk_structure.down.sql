DROP TRIGGER info_blobs_removed_file ON info_blobs;
--bun:split
DROP FUNCTION note_removed_file();
--bun:split
DROP TABLE removed_files;
--bun:split
ALTER TABLE info_blobs DROP COLUMN note;
--bun:split
ALTER TABLE info_blobs DROP COLUMN file_kept;
--bun:split
ALTER TABLE info_blobs DROP COLUMN pages;
--bun:split
ALTER TABLE chunks DROP COLUMN page_end;
--bun:split
ALTER TABLE chunks DROP COLUMN page_start;
--bun:split
ALTER TABLE chunks DROP COLUMN section;
