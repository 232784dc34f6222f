-- The model registry (models/registry.ts): every version of every model. A status change is a new
-- row of the version with a higher seq (the latest wins), so the table never needs an UPDATE.
CREATE TABLE IF NOT EXISTS model_versions (
    kind LowCardinality(String),
    version UInt32,
    status LowCardinality(String),
    spec String,
    train_from Nullable(Date),
    train_to Nullable(Date),
    series UInt32,
    metrics String,
    artifact String,
    note String,
    created_at DateTime64(3, 'UTC'),
    seq UInt64
) ENGINE = ReplacingMergeTree(seq)
ORDER BY (kind, version);

-- What was done to the registry, by whom and when (append-only): rollback reads it to find the
-- version that was promoted before.
CREATE TABLE IF NOT EXISTS model_events (
    kind LowCardinality(String),
    version UInt32,
    action LowCardinality(String),
    previous Nullable(UInt32),
    actor String,
    at DateTime64(3, 'UTC'),
    seq UInt64
) ENGINE = MergeTree
ORDER BY (kind, seq);

-- Daily demand forecasts per SKU and warehouse, as made on `as_of` (the first forecast day) by a
-- model version; a rescoring of the same day replaces them.
CREATE TABLE IF NOT EXISTS demand_forecasts (
    company LowCardinality(String),
    sku String,
    warehouse LowCardinality(String),
    as_of Date,
    day Date,
    mean Float64,
    lower Float64,
    upper Float64,
    level Float64,
    method LowCardinality(String),
    model_version UInt32,
    scored_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(scored_at)
ORDER BY (company, sku, warehouse, as_of, day);

-- Stockout risk per SKU and warehouse as of the start of `as_of` (models/stockout-risk.ts).
CREATE TABLE IF NOT EXISTS stockout_risk (
    company LowCardinality(String),
    sku String,
    warehouse LowCardinality(String),
    as_of Date,
    horizon_days UInt16,
    risk Float64,
    days_of_cover Nullable(Float64),
    expected_stockout_day Nullable(Date),
    suggested_order_qty Float64,
    net Float64,
    quarantined Float64,
    in_transit Float64,
    inbound Float64,
    lead_time_days UInt16,
    forecast_units Float64,
    model_version UInt32,
    scored_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(scored_at)
ORDER BY (company, sku, warehouse, as_of);
