-- Backtest metrics of every forecast model version: the model against its baselines, overall and by demand pattern.
SELECT version, JSONExtractString(e, 'name') AS method, pattern, forecasts, mase, rmsse, coverage, bias
FROM (
  SELECT version, e, p.1 AS pattern, JSONExtractUInt(p.2, 'forecasts') AS forecasts,
         JSONExtract(p.2, 'mase', 'Nullable(Float64)') AS mase, JSONExtract(p.2, 'rmsse', 'Nullable(Float64)') AS rmsse,
         JSONExtract(p.2, 'coverage', 'Nullable(Float64)') AS coverage, JSONExtract(p.2, 'bias', 'Nullable(Float64)') AS bias
  FROM model_versions FINAL
  ARRAY JOIN JSONExtractArrayRaw(metrics, 'entries') AS e
  ARRAY JOIN arrayConcat([('all', JSONExtractRaw(e, 'overall'))], JSONExtractKeysAndValuesRaw(e, 'byPattern')) AS p
  WHERE kind = 'demand-forecast')
ORDER BY version DESC, pattern, method
