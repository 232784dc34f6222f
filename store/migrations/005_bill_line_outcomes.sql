-- One fact per vendor bill line (processors/bills.ts); the highest version of a line wins.
CREATE TABLE IF NOT EXISTS bill_line_outcomes (
    company LowCardinality(String),
    line_id String,
    bill_id String,
    purchase_line_id Nullable(String),
    vendor LowCardinality(String),
    sku String,
    warehouse LowCardinality(String),
    qty Float64,
    unit_price Float64,
    occurred_at DateTime64(3, 'UTC'),
    bill_version UInt64,
    log_offset UInt64
) ENGINE = ReplacingMergeTree(bill_version)
ORDER BY (company, line_id);
