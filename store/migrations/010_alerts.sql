-- Alerts (alerts/, docs/alerts.md): one row per version of an alert; the row with the highest seq is
-- the alert as it stands (read with FINAL), so neither the engine nor a person ever needs an UPDATE.
-- alert_id is deterministic (the kind and a hash of the condition key): the same condition always
-- lands on the same alert, which is what merges duplicates. sku, warehouse and vendor are copied out
-- of the subject for filtering ('' when the alert has none); the full subject and the evidence are
-- JSON. condition_active: whether the condition held at the latest evaluation (a closed alert is
-- reopened only when its condition comes back after having cleared).
CREATE TABLE IF NOT EXISTS alerts (
    alert_id String,
    kind LowCardinality(String),
    condition_key String,
    company LowCardinality(String),
    severity LowCardinality(String),
    owner_role LowCardinality(String),
    status LowCardinality(String),
    title String,
    sku String,
    warehouse LowCardinality(String),
    vendor String,
    subject String,
    evidence String,
    condition_active UInt8,
    -- Event time of what the condition is about (the document's occurred_at, or the stream time a
    -- snapshot was judged at); first_seen and last_seen are when the engine saw it (wall clock).
    observed_at DateTime64(3, 'UTC'),
    first_seen DateTime64(3, 'UTC'),
    last_seen DateTime64(3, 'UTC'),
    occurrences UInt32,
    assignee Nullable(String),
    acknowledged_at Nullable(DateTime64(3, 'UTC')),
    acknowledged_by Nullable(String),
    resolved_at Nullable(DateTime64(3, 'UTC')),
    resolved_by Nullable(String),
    resolution Nullable(String),
    updated_at DateTime64(3, 'UTC'),
    seq UInt64
) ENGINE = ReplacingMergeTree(seq)
ORDER BY (kind, alert_id);

-- The audit trail (append-only): every action on an alert, by the engine (actor 'ledgerline') or a
-- person, with the status before and after and the action's details as JSON. seq grows with time
-- across alerts: the order of events, and the position a live stream resumes from.
CREATE TABLE IF NOT EXISTS alert_events (
    alert_id String,
    kind LowCardinality(String),
    seq UInt64,
    at DateTime64(3, 'UTC'),
    actor String,
    action LowCardinality(String),
    from_status LowCardinality(String),
    to_status LowCardinality(String),
    details String
) ENGINE = MergeTree
ORDER BY (alert_id, seq);
