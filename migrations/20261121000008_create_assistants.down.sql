DROP TABLE IF EXISTS assistant_api_keys;
--bun:split
DROP TABLE IF EXISTS assistant_knowledge;
--bun:split
DROP TABLE IF EXISTS assistant_prompts;
--bun:split
DROP TABLE IF EXISTS assistants;
