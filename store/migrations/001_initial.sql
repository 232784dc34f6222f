-- The event log: every accepted event once, in arrival order (log_offset). In embedded mode this is
-- the durable log a restart replays from. Ordered by event_id so that deduplication at append is an
-- index lookup; the minmax index keeps replay-after-offset reads cheap.
CREATE TABLE IF NOT EXISTS events (
    log_offset UInt64,
    event_id String,
    type LowCardinality(String),
    company LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    ingested_at DateTime64(3, 'UTC'),
    source_id String,
    position UInt64,
    payload String CODEC(ZSTD(1)),
    INDEX log_offset_range log_offset TYPE minmax GRANULARITY 1
) ENGINE = ReplacingMergeTree
ORDER BY event_id;

-- Scratch table for deduplication at append: a batch's ids, joined against events by the primary key
-- (binding a large array parameter instead is very slow in chDB).
CREATE TABLE IF NOT EXISTS dedup_probe (
    event_id String
) ENGINE = Memory;

-- Records that did not become events, with the reason and the raw text (bounded; size and hash kept).
CREATE TABLE IF NOT EXISTS dead_letters (
    source_id String,
    source_name String,
    position UInt64,
    reason String,
    raw String CODEC(ZSTD(1)),
    raw_bytes UInt64,
    raw_sha256 String,
    received_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree
ORDER BY (source_id, position);

-- Source positions and processor offsets. The latest write per name wins.
CREATE TABLE IF NOT EXISTS checkpoints (
    name String,
    value String,
    seq UInt64,
    updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(seq)
ORDER BY name;

-- Master data (global tables): the latest version of each record wins.
CREATE TABLE IF NOT EXISTS products (
    company LowCardinality(String),
    sku String,
    name String,
    uom LowCardinality(String),
    category LowCardinality(String),
    unit_cost Float64,
    active Bool,
    version UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_offset UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (company, sku);

CREATE TABLE IF NOT EXISTS locations (
    company LowCardinality(String),
    location String,
    name String,
    usage LowCardinality(String),
    warehouse Nullable(String),
    quarantine Bool,
    version UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_offset UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (company, location);

CREATE TABLE IF NOT EXISTS partners (
    company LowCardinality(String),
    partner String,
    name String,
    roles Array(LowCardinality(String)),
    version UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_offset UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (company, partner);

-- Every movement on the ledger: one row per stock-holding side of a done move (+ into the location,
-- − out of it), every version kept. The position at any time T sums, per move, its latest version
-- that happened by T.
CREATE TABLE IF NOT EXISTS ledger_movements (
    company LowCardinality(String),
    sku String,
    warehouse LowCardinality(String),
    location String,
    usage LowCardinality(String),
    move_id String,
    version UInt64,
    qty Float64,
    counterpart String,
    counterpart_usage LowCardinality(String),
    unit_cost Float64,
    sales_line_id Nullable(String),
    purchase_line_id Nullable(String),
    occurred_at DateTime64(3, 'UTC'),
    event_id String,
    log_offset UInt64
) ENGINE = ReplacingMergeTree
ORDER BY (company, sku, location, move_id, version);

-- Every version of every reservation; the reserved quantity at T is the latest version by T.
CREATE TABLE IF NOT EXISTS ledger_reservations (
    company LowCardinality(String),
    sku String,
    warehouse LowCardinality(String),
    location String,
    reservation_id String,
    version UInt64,
    qty_reserved Float64,
    occurred_at DateTime64(3, 'UTC'),
    event_id String,
    log_offset UInt64
) ENGINE = ReplacingMergeTree
ORDER BY (company, sku, reservation_id, version);

-- The live position per sku × location as the ledger processor holds it, written at checkpoints.
-- The row with the highest log_offset is current.
CREATE TABLE IF NOT EXISTS ledger_positions (
    company LowCardinality(String),
    sku String,
    warehouse LowCardinality(String),
    location String,
    usage LowCardinality(String),
    qty Float64,
    reserved Float64,
    log_offset UInt64
) ENGINE = ReplacingMergeTree(log_offset)
ORDER BY (company, sku, warehouse, location);
