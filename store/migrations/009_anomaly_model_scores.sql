-- The learned half of the anomaly scores (models/anomaly/autoencoder.ts), applied by the scoring job
-- with the promoted anomaly model to the documents of anomaly_scores: one row per document and
-- model version; `source_offset` is the log_offset of the anomaly_scores row it scored (a rewritten
-- row is scored again).
CREATE TABLE IF NOT EXISTS anomaly_model_scores (
    company LowCardinality(String),
    kind LowCardinality(String),
    doc_id String,
    model_version UInt32,
    source_offset UInt64,
    error Float64,
    learned_z Float64,
    learned_evidence Float64,
    combined Float64,
    scored_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(scored_at)
ORDER BY (company, kind, doc_id, model_version);
