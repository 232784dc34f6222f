-- Outgoing webhooks (runtime/webhook-dispatcher.ts, docs/webhooks.md): one row per delivery attempt
-- of an alert event (alert_events.seq) to an endpoint, appended, never changed. outcome:
-- 'retrying' (this attempt failed, another follows), 'delivered' (2xx), 'failed' (the last attempt
-- failed: given up), 'aborted' (the process stopped mid-attempt; the event is sent again on restart).
-- An event with a 'delivered' or 'failed' row is done for that endpoint: the dispatcher never sends
-- it again, whatever its checkpoint says. url is the endpoint without query string or credentials.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    endpoint_id LowCardinality(String),
    url String,
    seq UInt64,
    alert_id String,
    kind LowCardinality(String),
    action LowCardinality(String),
    attempt UInt16,
    outcome LowCardinality(String),
    -- HTTP status of the answer; 0 when there was none (timeout, refused connection, reset).
    status_code UInt16,
    error String,
    duration_ms UInt32,
    at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (endpoint_id, seq, attempt);
