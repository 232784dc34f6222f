-- Per event day: events, how many arrived after a later event (out of order), how late those were
-- (event time behind the latest seen so far), and wall-clock ingest lag (ingested - occurred).
SELECT toDate(occurred_at) AS day, count() AS events, countIf(late_hours > 0) AS late_events,
       round(quantileIf(0.95)(late_hours, late_hours > 0), 2) AS p95_late_hours,
       round(quantile(0.5)(dateDiff('second', occurred_at, ingested_at)) / 3600, 1) AS median_ingest_lag_hours
FROM (
  SELECT occurred_at, ingested_at,
         greatest(0, dateDiff('second', occurred_at, max(occurred_at) OVER (ORDER BY log_offset ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) / 3600) AS late_hours
  FROM events)
GROUP BY day
ORDER BY day
