-- An API key may be limited to some models (empty: all the tenant's).
ALTER TABLE api_keys ADD COLUMN models text[] NOT NULL DEFAULT '{}';
