-- The event log in offset order. Appends come in offset order, so rows are written as they arrive
-- (no sort, no replacing merges), replay after an offset is a primary-key range, and LZ4 spares the
-- CPU that ZSTD spent on every payload byte: together measured 7.0 → 4.1 s of engine CPU for 2.2M
-- events (bench input). Deduplication is exact before the append (see store/event-log.ts); the
-- bloom filter keeps its lookups of redelivered ids to the granules that may hold them.
-- Rebuilt rather than altered (the sorting key cannot change in place); rerunnable from any step.
DROP TABLE IF EXISTS events_by_offset;

CREATE TABLE events_by_offset (
    log_offset UInt64,
    event_id String,
    type LowCardinality(String),
    company LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    ingested_at DateTime64(3, 'UTC'),
    source_id LowCardinality(String),
    position UInt64,
    payload String,
    INDEX event_id_lookup event_id TYPE bloom_filter GRANULARITY 1
) ENGINE = MergeTree
ORDER BY log_offset;

INSERT INTO events_by_offset
SELECT log_offset, event_id, type, company, occurred_at, ingested_at, source_id, position, payload
FROM events
ORDER BY log_offset
LIMIT 1 BY event_id;

EXCHANGE TABLES events AND events_by_offset;

DROP TABLE events_by_offset;
