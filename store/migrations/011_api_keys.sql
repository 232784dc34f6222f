-- API keys (api/keys.ts). Only a SHA-256 of each key is kept: the key itself is shown once, when it
-- is created. A revocation is a new row of the key with `revoked_at` set and a higher seq (the latest
-- wins), so the table never needs an UPDATE and a revocation cannot be undone by a late write.
CREATE TABLE IF NOT EXISTS api_keys (
    key_id String,
    hash String,
    role LowCardinality(String),
    name String,
    created_at DateTime64(3, 'UTC'),
    created_by String,
    revoked_at Nullable(DateTime64(3, 'UTC')),
    revoked_by Nullable(String),
    seq UInt64
) ENGINE = ReplacingMergeTree(seq)
ORDER BY key_id;
