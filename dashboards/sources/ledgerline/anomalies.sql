-- The most anomalous inventory adjustments and purchase lines (score ≥ 0.5), with value and the features behind the score.
SELECT kind, doc_id, sku, warehouse, occurred_at, round(score, 3) AS score, qty, price, round(abs(qty) * price, 2) AS value, actor,
       arrayStringConcat(arrayMap(r -> concat(JSONExtractString(r, 'feature'), '=', JSONExtractRaw(r, 'value')),
                                  arrayFilter(r -> JSONExtractFloat(r, 'evidence') >= 1, JSONExtractArrayRaw(reasons))), ', ') AS reasons
FROM anomaly_scores FINAL
WHERE score >= 0.5
ORDER BY score DESC, doc_id
LIMIT 200
