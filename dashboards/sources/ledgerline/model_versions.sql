-- Every model version in the registry, newest first.
SELECT kind, version, status, train_from, train_to, series, note, created_at,
       JSONExtractFloat(arrayFirst(e -> JSONExtractString(e, 'name') = JSONExtractString(spec, 'kind'), JSONExtractArrayRaw(metrics, 'entries')), 'overall', 'mase') AS mase
FROM model_versions FINAL
ORDER BY kind, version DESC
