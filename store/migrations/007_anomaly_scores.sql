-- Anomaly scores (processors/anomaly-scoring.ts, models/anomaly/): one row per scored document, an
-- inventory adjustment move (kind 'adjustment', doc_id = move_id, related_id = the count it follows)
-- or a purchase order line (kind 'purchase', doc_id = line_id, related_id = order_id), scored once, at
-- the first version seen. `reasons` is a JSON array of {feature, value, typical, robust_z, evidence, …}
-- (docs/anomaly.md).
--
-- qty, price, actor, reason_code, system_qty and learned are what the document added to the scorer's
-- state (signed adjustment qty and unit cost, counting user, reason code and system qty of its count;
-- qty ordered, unit price, vendor): the processor restores its state by replaying these rows, in
-- first_offset order, up to each partition's committed offset. A replayed record writes the same row
-- again (same document, same offset), which replaces it. A purchase line found to be a duplicate only
-- when its earlier twin arrives (out of order) is written again at the twin's offset: log_offset is
-- the row's version, first_offset when its features entered the state.
CREATE TABLE IF NOT EXISTS anomaly_scores (
    company LowCardinality(String),
    kind LowCardinality(String),
    doc_id String,
    related_id Nullable(String),
    event_id String,
    sku String,
    warehouse LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    score Float64,
    reasons String,
    model LowCardinality(String),
    qty Float64,
    price Float64,
    actor String,
    reason_code Nullable(String),
    system_qty Nullable(Float64),
    -- 0: the price was flagged and kept out of the SKU-warehouse's price history.
    learned UInt8,
    -- The offset at which the document was first seen (its state), and of the row's latest version.
    first_offset UInt64,
    log_offset UInt64,
    -- The UTC day, computed once when written (queries by day read two bytes; see migration 006).
    occurred_day Date MATERIALIZED toDate(occurred_at)
) ENGINE = ReplacingMergeTree(log_offset)
ORDER BY (company, kind, doc_id);
