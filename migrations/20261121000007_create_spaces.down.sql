DROP TABLE IF EXISTS space_models;
--bun:split
DROP TABLE IF EXISTS space_group_members;
--bun:split
DROP TABLE IF EXISTS space_members;
--bun:split
DROP TABLE IF EXISTS spaces;
