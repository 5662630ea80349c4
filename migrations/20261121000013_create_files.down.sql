ALTER TABLE questions DROP COLUMN files;
--bun:split
DROP TABLE files;
