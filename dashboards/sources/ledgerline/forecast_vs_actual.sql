-- The three riskiest SKU-warehouses of the latest scoring: daily demand over the last 56 days and
-- the latest forecast with its interval after it.
WITH risky AS (
  SELECT sku, warehouse, row_number() OVER (ORDER BY risk DESC, sku, warehouse) AS rank
  FROM stockout_risk FINAL WHERE as_of = (SELECT max(as_of) FROM stockout_risk)
  ORDER BY risk DESC, sku, warehouse LIMIT 3),
latest AS (SELECT max(as_of) AS as_of FROM demand_forecasts)
SELECT * FROM (
SELECT r.rank AS rank, r.sku AS sku, r.warehouse AS warehouse, a.day AS day, 'actual' AS series, a.qty AS qty, CAST(NULL AS Nullable(Float64)) AS lower, CAST(NULL AS Nullable(Float64)) AS upper
FROM risky AS r
INNER JOIN (
  SELECT sku, warehouse, d AS day, sum(q) AS qty FROM (
    SELECT sku, warehouse, ordered_day AS d, qty_ordered AS q FROM sales_line_outcomes FINAL
    WHERE ordered_day IS NOT NULL AND state != 'cancel' AND ordered_day >= (SELECT as_of FROM latest) - 56 AND ordered_day < (SELECT as_of FROM latest)
    UNION ALL
    -- Days without orders count as zero demand.
    SELECT sku, warehouse, (SELECT as_of FROM latest) - 56 + number AS d, 0 AS q
    FROM (SELECT DISTINCT sku, warehouse FROM stockout_risk) AS cells CROSS JOIN numbers(56) AS n)
  GROUP BY sku, warehouse, day) AS a ON a.sku = r.sku AND a.warehouse = r.warehouse
UNION ALL
SELECT r.rank, r.sku, r.warehouse, f.day, 'forecast', f.mean, f.lower, f.upper
FROM risky AS r
INNER JOIN (SELECT * FROM demand_forecasts FINAL WHERE as_of = (SELECT as_of FROM latest)) AS f ON f.sku = r.sku AND f.warehouse = r.warehouse
)
ORDER BY rank, day, series
