-- One fact per physical count (processors/inventory-control.ts); the highest version of a count wins.
CREATE TABLE IF NOT EXISTS count_outcomes (
    company LowCardinality(String),
    count_id String,
    sku String,
    warehouse LowCardinality(String),
    location LowCardinality(String),
    user LowCardinality(String),
    reason Nullable(String),
    counted_qty Float64,
    system_qty Float64,
    occurred_at DateTime64(3, 'UTC'),
    count_version UInt64,
    log_offset UInt64
) ENGINE = ReplacingMergeTree(count_version)
ORDER BY (company, count_id);
