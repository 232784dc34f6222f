-- How anomaly scores spread, per document kind (buckets of 0.05).
SELECT kind, floor(score * 20) / 20 AS bucket, count() AS documents
FROM anomaly_scores FINAL
GROUP BY kind, bucket
ORDER BY kind, bucket
