DROP TABLE IF EXISTS api_keys;
--bun:split
DROP TABLE IF EXISTS refresh_tokens;
--bun:split
DROP TABLE IF EXISTS user_group_members;
--bun:split
DROP TABLE IF EXISTS user_groups;
--bun:split
DROP TABLE IF EXISTS user_roles;
--bun:split
DROP TABLE IF EXISTS roles;
--bun:split
DROP TABLE IF EXISTS users;
