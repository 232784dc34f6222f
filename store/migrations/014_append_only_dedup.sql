-- The append-only logs (alert audit trail, webhook delivery attempts, model registry events) keep
-- every row, unlike the tables that replace by key and version. An insert the ClickHouse store sent
-- again after the connection broke (store/clickhouse-store.ts retries inserts) may have landed the
-- first time: with a deduplication window the server recognises the identical block and keeps one.
-- Two genuine inserts are never identical here (each row carries its own sequence or attempt time).
ALTER TABLE alert_events MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE webhook_deliveries MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE model_events MODIFY SETTING non_replicated_deduplication_window = 1000;
