-- API keys limited to companies and/or warehouses (api/keys.ts, api/scope.ts): an empty list means
-- no limit on that axis, so the keys created before this migration keep seeing everything.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS companies Array(String) DEFAULT [];
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS warehouses Array(String) DEFAULT [];
