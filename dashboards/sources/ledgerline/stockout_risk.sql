-- Stockout risk of the latest scoring run, riskiest first.
SELECT sku, warehouse, as_of, risk, days_of_cover, expected_stockout_day, inbound, in_transit,
       lead_time_days, forecast_units, suggested_order_qty, net AS available_net, model_version
FROM stockout_risk FINAL
WHERE as_of = (SELECT max(as_of) FROM stockout_risk)
ORDER BY risk DESC, sku, warehouse
