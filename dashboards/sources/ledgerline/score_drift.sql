-- Weekly mean and 95th percentile of the anomaly scores per kind: a shift means the data or the scorer drifted.
SELECT kind, toMonday(occurred_day) AS week, round(avg(score), 4) AS mean_score, round(quantile(0.95)(score), 4) AS p95_score, count() AS documents
FROM anomaly_scores FINAL
GROUP BY kind, week
ORDER BY kind, week
