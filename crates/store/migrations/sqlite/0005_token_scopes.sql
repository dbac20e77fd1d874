-- API tokens get a scope (read_only | read_write), the resources they may touch ('*' or
-- comma-separated names: surveys, responses, touchpoints, metrics, text) and an optional
-- expiry (ms since the epoch). Existing tokens keep full access and never expire.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read_write';
ALTER TABLE api_tokens ADD COLUMN resources TEXT NOT NULL DEFAULT '*';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
