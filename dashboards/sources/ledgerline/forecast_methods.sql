-- Which forecasting method the latest scoring chose per series (by demand pattern under `auto`), and the forecast volume.
SELECT method, model_version, count(DISTINCT (sku, warehouse)) AS series, round(sum(mean), 1) AS forecast_units
FROM demand_forecasts FINAL
WHERE as_of = (SELECT max(as_of) FROM demand_forecasts)
GROUP BY method, model_version
ORDER BY series DESC
