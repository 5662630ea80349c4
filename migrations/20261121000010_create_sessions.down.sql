DROP TABLE IF EXISTS usage_records;
--bun:split
DROP TABLE IF EXISTS questions;
--bun:split
DROP TABLE IF EXISTS sessions;
