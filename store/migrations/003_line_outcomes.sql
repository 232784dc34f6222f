-- Outcome facts per order line (processors/fulfilment.ts, processors/procurement.ts). A line's fact
-- is written again whenever it changes, versioned by the log offset of the change; the highest
-- version is the line's outcome (read with FINAL). line_known = false: moves for a line never seen
-- (a data-quality exception, counted, not dropped).
CREATE TABLE IF NOT EXISTS sales_line_outcomes (
    company LowCardinality(String),
    line_id String,
    line_known Bool,
    order_id String,
    sku String,
    warehouse LowCardinality(String),
    customer String,
    line_version UInt64,
    state LowCardinality(String),
    qty_ordered Float64,
    unit_price Float64,
    ordered_at Nullable(DateTime64(3, 'UTC')),
    requested_date Nullable(DateTime64(3, 'UTC')),
    committed_date Nullable(DateTime64(3, 'UTC')),
    delivered_qty Float64,
    delivered_by_commit Float64,
    first_shipment_at Nullable(DateTime64(3, 'UTC')),
    first_shipment_qty Float64,
    completed_at Nullable(DateTime64(3, 'UTC')),
    moves UInt32,
    log_offset UInt64
) ENGINE = ReplacingMergeTree(log_offset)
ORDER BY (company, line_id);

CREATE TABLE IF NOT EXISTS purchase_line_outcomes (
    company LowCardinality(String),
    line_id String,
    line_known Bool,
    order_id String,
    sku String,
    warehouse LowCardinality(String),
    vendor String,
    line_version UInt64,
    state LowCardinality(String),
    qty_ordered Float64,
    unit_price Float64,
    ordered_at Nullable(DateTime64(3, 'UTC')),
    planned_date Nullable(DateTime64(3, 'UTC')),
    original_planned_date Nullable(DateTime64(3, 'UTC')),
    received_qty Float64,
    received_by_planned Float64,
    first_receipt_at Nullable(DateTime64(3, 'UTC')),
    first_receipt_qty Float64,
    completed_at Nullable(DateTime64(3, 'UTC')),
    moves UInt32,
    log_offset UInt64
) ENGINE = ReplacingMergeTree(log_offset)
ORDER BY (company, line_id);
